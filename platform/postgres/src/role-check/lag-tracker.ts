/**
 * Replication lag in time, measured against the primary rather than inferred on the replica:
 * the primary's WAL position is sampled with the time it was seen, and a replica's lag is how
 * long ago the oldest sampled position it has not replayed yet was seen. An idle primary means
 * no lag (nothing to replay), and a replica with replay paused grows lag as soon as the primary
 * writes, whatever pg_last_xact_replay_timestamp() says.
 */
export class LagTracker {
  private samples: { lsn: bigint; at: number }[] = [];

  constructor(private readonly maxSamples = 1_000) {}

  recordPrimary(lsn: bigint, at: number): void {
    const last = this.samples.at(-1);
    if (last && lsn <= last.lsn) return;
    this.samples.push({ lsn, at });
    // The oldest sample is the one that measures the lag, so thinning starts after it.
    if (this.samples.length > this.maxSamples) this.samples.splice(1, 1);
  }

  /** Forgets every sample the replica has replayed and returns the age of the oldest one left. */
  lagMs(replayed: bigint, now: number): number {
    while (this.samples.length > 0 && (this.samples[0]?.lsn ?? 0n) <= replayed) this.samples.shift();
    const oldest = this.samples[0];
    return oldest ? Math.max(0, now - oldest.at) : 0;
  }

  /** Bytes of WAL between the newest primary position seen and the replica's replay position. */
  lagBytes(replayed: bigint): number {
    const newest = this.samples.at(-1);
    return newest && newest.lsn > replayed ? Number(newest.lsn - replayed) : 0;
  }

  get hasSamples(): boolean {
    return this.samples.length > 0;
  }
}
