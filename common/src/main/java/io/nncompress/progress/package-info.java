/**
 * Progress of long work: phases (statistics pass, solving a layer, a compression stage,
 * evaluation, writing), the layer, Spark's task progress, the solver's iterations and objective, and
 * estimates of the time left.
 *
 * <p>Code reports through the static facade {@link io.nncompress.progress.Progress}; what is shown,
 * how often and in which format is the installed {@link io.nncompress.progress.ProgressSink}'s
 * business (human lines or JSON Lines on stderr, throttled by {@link io.nncompress.progress.Throttle}).
 * Nothing is reported until a sink is installed (the CLI installs one), and with none every call is
 * a cheap no-op: solvers ask once per iteration whether a report is due, and compute the objective
 * only when it is. No Spark here: the Spark side (task progress from a SparkListener) lives in
 * spark-jobs and reports through the same facade.
 */
package io.nncompress.progress;
