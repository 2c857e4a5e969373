package io.nncompress.progress;

/** How progress and log messages are written on stderr. */
public enum LogFormat {
  /** Readable lines: {@code 12:00:01 [solve fc1] fista iteration 340 ...} */
  HUMAN,
  /** JSON Lines: one JSON object per line with stable field names ({@link ProgressEvent}). */
  JSON
}
