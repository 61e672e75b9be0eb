/**
 * A connection's read timeout: fails the connection when a reply is due and
 * nothing arrives for a while. One timer serves many replies: it is not
 * moved on each one (a timer set and cleared per reply is a cost every job
 * would pay); when it fires early it waits out the rest, and when no reply
 * is due it just stops.
 *
 * @module
 */

// How long an elapsed timeout still waits for input that already arrived but
// was not read yet: after the event loop was blocked (a handler hogging the
// CPU), the timer can fire before that input is read. One turn of the event
// loop suffices on every runtime; a few ms leave a margin.
const READ_GRACE_MS = 10;

/** The read timeout of one connection. */
export class ReadTimer {
  readonly #ms: number;
  readonly #due: () => boolean;
  readonly #expired: () => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #deadline = 0; // Date.now() by which the next input is due
  #received = 0; // chunks read so far, to tell late input from none

  /**
   * @param ms The timeout, in ms.
   * @param due Whether a reply is due now.
   * @param expired Called once nothing came within the timeout.
   */
  constructor(ms: number, due: () => boolean, expired: () => void) {
    this.#ms = ms;
    this.#due = due;
    this.#expired = expired;
  }

  /** Counts a chunk of input. */
  received(): void {
    this.#received++;
  }

  /** Starts the timeout again from now, if a reply is due. */
  arm(): void {
    if (!this.#due()) return;
    this.#deadline = Date.now() + this.#ms;
    this.#timer ??= setTimeout(() => this.#fired(), this.#ms);
  }

  /** Stops for good (the connection ended). */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #fired(): void {
    this.#timer = undefined;
    if (!this.#due()) return;
    const left = this.#deadline - Date.now();
    if (left > 0) {
      this.#timer = setTimeout(() => this.#fired(), left);
      return;
    }
    const received = this.#received;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#received !== received) return this.arm(); // input came: wait again
      this.#expired();
    }, READ_GRACE_MS);
  }
}
