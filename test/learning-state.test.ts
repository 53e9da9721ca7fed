// Rule state: saveState mid-training, then loadState into a fresh rule over
// copies of the layers, continues exactly as the uninterrupted run (every
// weight and trace the same bits); loadState checks everything first and
// changes nothing on an error.
import * as spiking from '../lib';
import { rng } from './helpers';

type Rule = spiking.MSTDPET | spiking.PairSTDP | spiking.FedeSTDP;

function build(kind: 'MSTDPET' | 'PairSTDP' | 'FedeSTDP', weights?: Float32Array, params: Record<string, unknown> = {}) {
  const connection = new spiking.Linear({ inFeatures: 7, outFeatures: 5, batchSize: 2, dt: 1, weight: weights ? { init: 'values', values: weights } : { init: 'uniform', seed: 4 } });
  const neuron = new spiking.LIFNeuron({ cellsShape: [2, 5], thresh: 0.8, vRest: 0, alphaV: 1, alphaT: 1, dt: 1, durationRefrac: 0, tauV: 0.7, tauT: 0.7, updateType: 'linear' });
  const layers = { l: { connection, neuron } };
  const rule: Rule =
    kind === 'MSTDPET' ? new spiking.MSTDPET({ layers, aPre: 1, aPost: 0.6, lr: 0.05, eTraceDecay: 0.9, ...params }) :
    kind === 'PairSTDP' ? new spiking.PairSTDP({ layers, tauPre: 5, tauPost: 7, aPlus: 0.05, aMinus: 0.04, update: 'multiplicative', ...params }) :
    new spiking.FedeSTDP({ layers, lr: 0.01, wInit: 0.5, a: 0.3, ...params });
  return { connection, neuron, rule };
}

function drive(net: ReturnType<typeof build>, rand: () => number): void {
  const pre = Uint8Array.from({ length: 14 }, () => (rand() < 0.3 ? 1 : 0));
  const trace = Float32Array.from({ length: 14 }, () => rand());
  net.connection.forward(pre, trace);
  net.neuron.spikes.set(Uint8Array.from({ length: 10 }, () => (rand() < 0.3 ? 1 : 0)));
  net.neuron.trace.set(Float32Array.from({ length: 10 }, () => rand()));
  net.rule.updateState();
  if (net.rule instanceof spiking.MSTDPET) net.rule.step(rand() - 0.4);
  else net.rule.step();
}

function traces(rule: Rule): Float32Array[] {
  if (rule instanceof spiking.MSTDPET) return [rule.eTrace('l')];
  if (rule instanceof spiking.PairSTDP) return [rule.preTrace('l'), rule.postTrace('l')];
  return [];
}

describe.each(['MSTDPET', 'PairSTDP', 'FedeSTDP'] as const)('%s', (kind) => {
  test('save mid-training, load into a fresh rule, continue: the same bits as uninterrupted', () => {
    const a = build(kind);
    const randA = rng(11);
    for (let t = 0; t < 12; t++) drive(a, randA);
    const bytes = a.rule.saveState();
    const ring = a.connection.stateRecord();
    const b = build(kind, a.connection.weight);
    b.connection.prepareRestore(ring, '')();
    b.rule.loadState(bytes);
    expect(traces(b.rule)).toEqual(traces(a.rule));
    const randB = rng(99);
    const randC = rng(99);
    for (let t = 0; t < 12; t++) {
      drive(a, randB);
      drive(b, randC);
    }
    expect(Buffer.from(b.connection.weight.buffer)).toEqual(Buffer.from(a.connection.weight.buffer));
    traces(a.rule).forEach((tr, k) => expect(Buffer.from(traces(b.rule)[k].buffer)).toEqual(Buffer.from(tr.buffer)));
    if (kind !== 'FedeSTDP') expect(traces(a.rule)[0].some((v) => v !== 0)).toBe(true);
  });
});

describe('loadState refuses what does not fit, changing nothing', () => {
  const a = build('MSTDPET');
  const rand = rng(3);
  for (let t = 0; t < 5; t++) drive(a, rand);
  const bytes = a.rule.saveState();

  test.each([
    ['another class', () => build('PairSTDP').rule, /Expected a PairSTDP rule for the saved state's class but received "MSTDPET"/],
    ['other hyper-parameters', () => build('MSTDPET', undefined, { lr: 0.06 }).rule, /Expected \[1, 0.6, 0.06, 0.9\] \(this rule's aPre, aPost, lr, eTraceDecay\) for the saved state's params but received \[1, 0.6, 0.05, 0.9\]/],
  ])('%s', (_what, make, message) => {
    const rule = make();
    const before = traces(rule);
    expect(() => rule.loadState(bytes)).toThrow(message);
    expect(traces(rule)).toEqual(before);
  });

  test('other layer shapes, other modes, corrupt values, truncated bytes', () => {
    const wide = new spiking.MSTDPET({
      layers: { l: { connection: new spiking.Linear({ inFeatures: 8, outFeatures: 5, batchSize: 2, dt: 1 }), neuron: build('MSTDPET').neuron } },
      aPre: 1, aPost: 0.6, lr: 0.05, eTraceDecay: 0.9,
    });
    expect(() => wide.loadState(bytes)).toThrow(/Expected \[2, 8, 5\] \(batchSize, inFeatures, outFeatures\) for the saved state's layer0\.shape but received \[2, 7, 5\]/);
    const pair = build('PairSTDP');
    const additive = build('PairSTDP', undefined, { update: 'additive' });
    expect(() => additive.rule.loadState(pair.rule.saveState())).toThrow(
      "Expected \"update=additive,trace=add\" for the saved state's modes but received \"update=multiplicative,trace=add\"",
    );
    const record = a.rule.stateRecord();
    const layer = record.fields.get('layer0') as { fields: Map<string, unknown> };
    const e = (layer.fields.get('eTrace') as Float32Array).slice();
    e[3] = NaN;
    layer.fields.set('eTrace', e);
    const target = build('MSTDPET');
    expect(() => target.rule.prepareRestore(record, 'rule.')).toThrow(/Expected a finite value for the saved state's rule\.layer0\.eTrace\[3\] but received NaN/);
    expect(() => target.rule.loadState(bytes.subarray(0, bytes.length - 3))).toThrow(RangeError);
    expect(traces(target.rule)[0].every((v) => v === 0)).toBe(true);
  });
});
