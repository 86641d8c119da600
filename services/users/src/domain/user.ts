export interface User {
  id: string;
  email: string;
  name: string;
  createdAt: string;
}

export interface NewUser {
  email: string;
  name: string;
}

/** Emails compare case-insensitively, so the unique constraint is on the normalised form. */
export const normaliseEmail = (email: string): string => email.trim().toLowerCase();
