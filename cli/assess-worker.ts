/** A piscina worker thread of `mahnwerk assess`: one batch in, its counts out. */
import { assessBatch } from './assess.js';

export default assessBatch;
