// Bit-exact parity with PySNN: every golden case replayed, every recorded
// state compared with === after every op, under every instruction set this
// CPU runs, through the fused kernels and through the staged path.
import * as spiking from '../lib';
import { forceStaged } from './arbitraries';
import { applyOp, build, expectRecorded, golden, type AnyLayer } from './golden';

const paths = { fused: (l: AnyLayer) => l, staged: forceStaged };

describe.each(spiking.instructionSets())('golden trajectories (%s)', (isa) => {
  beforeAll(() => spiking.setInstructionSet(isa));
  afterAll(() => spiking.setInstructionSet(spiking.instructionSets()[0]));

  describe.each(Object.keys(paths) as (keyof typeof paths)[])('%s path', (path) => {
    test.each(golden.cases.map((c) => [c.name, c] as const))('%s', (_name, gcase) => {
      const layer = paths[path](build(gcase.class, gcase.params));
      gcase.ops.forEach((op, step) => {
        applyOp(layer, op);
        expectRecorded(layer, op, `${gcase.name} op ${step}`);
      });
      if (gcase.completeTrace) {
        const trace = (layer as spiking.LIFNeuron).completeTrace!;
        expect(trace.shape).toEqual(gcase.completeTrace.shape);
        expect(Array.from(trace.data)).toEqual(gcase.completeTrace.data);
      }
    });
  });
});

describe('golden constructor errors', () => {
  test.each(golden.constructorErrors.map((c) => [c.why, c] as const))('%s is rejected', (_why, bad) => {
    expect(() => build(bad.class, bad.params)).toThrow(/Expected .* for (durationRefrac|tauV|tauT|updateType)/);
  });
});
