// Compiled by tsc in test/package.test.ts against the packed package, as a
// user's project would: the lines must compile, and each @ts-expect-error
// line must be an error (tsc fails on an expect-error that is not).
import { Input, instructionSet, LIFNeuron, Network, type InstructionSet, type RunResult } from 'spiking';

const lif = new LIFNeuron({ cellsShape: [2, 3], thresh: 1, vRest: 0, alphaV: 1, alphaT: 1, dt: 1, durationRefrac: 0, tauV: 0.9, tauT: 0.8 });
const xs = new Float32Array(2 * 6);

// run: the recorded variables are present, the others absent.
const recorded = lif.run(xs, { steps: 2, record: ['vCell', 'thresh'] });
const v: Float32Array = recorded.vCell;
const th: Float32Array = recorded.thresh;
// @ts-expect-error trace was not recorded: it may be undefined
const notRecorded: Float32Array = recorded.trace;
const plain: RunResult = lif.run(xs, { steps: 2 });
// @ts-expect-error nothing recorded: vCell may be undefined
const noV: Float32Array = plain.vCell;
// @ts-expect-error not a state variable
lif.run(xs, { steps: 2, record: ['voltage'] });

// Names the compiler does not know: every variable may be absent.
const names: ('vCell' | 'trace' | 'refracCounts' | 'thresh')[] = ['trace'];
const unknownNames = lif.run(xs, { steps: 2, record: names });
// @ts-expect-error which variables were recorded is known only at run time
const maybe: Float32Array = unknownNames.vCell;

async function later(): Promise<Float32Array> {
  const r = await lif.runAsync(xs, { steps: 2, record: ['trace'] });
  return r.trace;
}

// instructionSet: a union of the names.
const isa: InstructionSet = instructionSet();
const known: 'avx512bw' | 'avx2' | 'sse2' | 'neon64' = isa;
// @ts-expect-error not an instruction set name
const unknown: 'mmx' = instructionSet();

// net.layer: the class of a layer added in a chain, or the class asked for.
const input = new Input({ cellsShape: [2, 4], dt: 1, alphaT: 1, tauT: 0.8 });
const net = new Network().addLayer('input', input).addLayer('hidden', lif);
const hiddenV: Float32Array = net.layer('hidden').vCell;
const inputTrace: Float32Array = net.layer('input').trace;
// @ts-expect-error an Input layer has no voltage
const inputV = net.layer('input').vCell;
const asked: LIFNeuron = new Network().layer('hidden', LIFNeuron);

export { maybe, v, th, notRecorded, noV, later, known, unknown, hiddenV, inputTrace, inputV, asked };
