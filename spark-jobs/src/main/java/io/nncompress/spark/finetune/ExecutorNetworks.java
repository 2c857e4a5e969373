package io.nncompress.spark.finetune;

import io.nncompress.model.Network;
import io.nncompress.spark.compress.NetworkBytes;
import io.nncompress.train.ConstrainedNetwork;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.spark.broadcast.Broadcast;

/**
 * The networks the tasks of an executor train with, built once per broadcast and reused by the
 * steps (a step only sets the new values): a pool of students (one per concurrent task, each task
 * takes one and gives it back) and one teacher (read only). Trainings run one after the other, so a
 * new broadcast drops the networks of the previous ones.
 */
final class ExecutorNetworks {
  private static final ConcurrentHashMap<Long, ConcurrentLinkedQueue<ConstrainedNetwork>> STUDENTS =
      new ConcurrentHashMap<>();
  private static final ConcurrentHashMap<Long, Network> TEACHERS = new ConcurrentHashMap<>();

  private ExecutorNetworks() {}

  static ConstrainedNetwork take(Broadcast<ConstrainedNetwork.Spec> spec) {
    if (!STUDENTS.containsKey(spec.id())) {
      STUDENTS.keySet().removeIf(id -> id != spec.id());
    }
    ConstrainedNetwork c = STUDENTS.computeIfAbsent(spec.id(), id -> new ConcurrentLinkedQueue<>()).poll();
    return c != null ? c : spec.value().build();
  }

  static void give(Broadcast<ConstrainedNetwork.Spec> spec, ConstrainedNetwork c) {
    STUDENTS.computeIfAbsent(spec.id(), id -> new ConcurrentLinkedQueue<>()).add(c);
  }

  static Network teacher(Broadcast<NetworkBytes> teacher) {
    if (teacher == null) {
      return null;
    }
    if (!TEACHERS.containsKey(teacher.id())) {
      TEACHERS.keySet().removeIf(id -> id != teacher.id());
    }
    return TEACHERS.computeIfAbsent(teacher.id(), id -> teacher.value().build());
  }
}
