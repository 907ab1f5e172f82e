/**
 * Progress of a long file operation on stderr: on a terminal a bar redrawn in place (rows, rate,
 * ETA), otherwise (a log, CI) one plain line every few seconds. The share done is the share of the
 * file's bytes read; the rate counts rows done.
 */
export class Progress {
  private readonly started = Date.now();
  private bytesRead = 0;
  private rowCount = 0;
  private lastDrawn = 0;

  constructor(
    private readonly err: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly totalBytes: number,
    private readonly lineEveryMs = 5000,
  ) {}

  bytes(n: number): void {
    this.bytesRead += n;
    this.draw();
  }

  rows(done: number): void {
    this.rowCount = done;
    this.draw();
  }

  /** The last state, and a line break after a bar. */
  done(): void {
    if (this.lastDrawn === -1) return;
    this.draw(true);
    if (this.err.isTTY) this.err.write('\n');
    this.lastDrawn = -1;
  }

  private draw(force = false): void {
    if (this.lastDrawn === -1) return;
    const now = Date.now();
    if (!force && now - this.lastDrawn < (this.err.isTTY ? 100 : this.lineEveryMs)) return;
    this.lastDrawn = now;
    const seconds = Math.max((now - this.started) / 1000, 0.001);
    const share = this.totalBytes > 0 ? Math.min(this.bytesRead / this.totalBytes, 1) : 1;
    const rate = Math.round(this.rowCount / seconds);
    const eta = share > 0 && share < 1 ? clock((seconds * (1 - share)) / share) : '0:00';
    const text = `${this.rowCount.toLocaleString('en')} rows, ${rate.toLocaleString('en')} rows/s, ETA ${eta}`;
    if (this.err.isTTY) {
      const width = 30;
      const filled = Math.round(share * width);
      const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}%`;
      this.err.write(`\r${bar} ${text}\u001b[K`);
    } else this.err.write(`progress: ${(share * 100).toFixed(0)}% of the file, ${text}\n`);
  }
}

function clock(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}
