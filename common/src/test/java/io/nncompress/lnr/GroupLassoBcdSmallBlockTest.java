package io.nncompress.lnr;

/** The solver cases again with 5-column blocks, so every problem spans several blocks. */
class GroupLassoBcdSmallBlockTest extends AbstractGroupLassoMethodTest {
  @Override
  GroupLassoMethod solver(double tol) {
    return new GroupLassoBcd().tolerance(tol).blockSize(5);
  }
}
