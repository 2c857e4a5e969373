/**
 * Linear Neural Reconstruction (LNR): remove input neurons of a layer by a group lasso on its
 * second-order statistics, then refit (seeds/004).
 *
 * <ul>
 *   <li>{@link io.nncompress.lnr.GroupLassoProblem}: the problem from (W, b, R) or from (C, R, E||Y||^2);
 *       closed-form lambda_max, KKT residual, errors.</li>
 *   <li>{@link io.nncompress.lnr.FistaGroupLasso} and {@link io.nncompress.lnr.GroupLassoBcd}: two
 *       solvers with the same certificate (relative KKT residual, {@code Kkt}).</li>
 *   <li>{@link io.nncompress.lnr.GroupLassoSolver}: picks the solver, solves, debiases
 *       ({@link io.nncompress.lnr.Debias}, {@link io.nncompress.lnr.LeastSquares}).</li>
 *   <li>{@link io.nncompress.lnr.LambdaSearch}: lambda from a kept count, fraction or error target.</li>
 * </ul>
 * Nothing here reads rows: the cost depends on the layer's size, never on the dataset's.
 */
package io.nncompress.lnr;
