/** A piscina worker thread of `mahnwerk assess`: one batch in, its counts out. */
import { assessBatch } from './assess-tally.js';

export default assessBatch;
