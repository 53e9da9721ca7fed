// Bit-exact parity with PySNN: every golden case replayed, every recorded
// state compared with === after every op, under every instruction set this
// CPU runs, through the fused kernels and through the staged path.
import * as spiking from '../lib';
import { applyOp, build, golden, snapshot, type AnyLayer, type GoldenExpect } from './golden';

/** Overrides one stage with a pass-through, which makes forward take the staged path. */
function staged(layer: AnyLayer): AnyLayer {
  const proto = Object.getPrototypeOf(layer);
  const updateTrace = proto.updateTrace;
  Object.defineProperty(layer, 'updateTrace', {
    value(this: AnyLayer, ...args: unknown[]) {
      return updateTrace.apply(this, args);
    },
  });
  return layer;
}

const paths = { fused: (l: AnyLayer) => l, staged };

describe.each(spiking.instructionSets())('golden trajectories (%s)', (isa) => {
  beforeAll(() => spiking.setInstructionSet(isa));
  afterAll(() => spiking.setInstructionSet(spiking.instructionSets()[0]));

  describe.each(Object.keys(paths) as (keyof typeof paths)[])('%s path', (path) => {
    test.each(golden.cases.map((c) => [c.name, c] as const))('%s', (_name, gcase) => {
      const layer = paths[path](build(gcase.class, gcase.params));
      gcase.ops.forEach((op, step) => {
        applyOp(layer, op);
        const keys = Object.keys(op.expect) as (keyof GoldenExpect)[];
        const got = snapshot(layer, keys);
        for (const key of keys) {
          const want = op.expect[key]!;
          const actual = got[key]!;
          // Object.is tells -0 from 0 and NaN from NaN; === is the contract.
          const mismatch = want.findIndex((w, i) => !(actual[i] === w));
          if (mismatch !== -1) {
            throw new Error(
              `${gcase.name} op ${step} (${op.op}): ${key}[${mismatch}] is ${actual[mismatch]}, PySNN has ${want[mismatch]}`,
            );
          }
          expect(actual.length).toBe(want.length);
        }
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
