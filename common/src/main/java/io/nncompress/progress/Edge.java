package io.nncompress.progress;

/** Where an event sits in the run of events of its kind: the first, one in between, or the last. */
public enum Edge {
  START, MIDDLE, END
}
