export interface User {
  id: string;
  email: string;
  name: string;
  createdAt: string;
  updatedAt: string;
}

export interface NewUser {
  email: string;
  name: string;
}

/** A partial update: only the fields present change. */
export type UserChanges = Partial<NewUser>;

/** Emails compare case-insensitively, so the unique constraint is on the normalised form. */
export const normaliseEmail = (email: string): string => email.trim().toLowerCase();
