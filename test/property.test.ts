// Property-based tests (fast-check) over the public API: random valid layers
// and inputs, random interleavings of every operation, random invalid options
// and inputs, and random corruptions of the slab the native layer reads;
// and random small networks under random steps, runs, resets, saves, loads
// and rejected calls.
//
// The oracles: the fused native kernels against the library's staged path
// (plain scalar TypeScript, one float32 operation at a time, forced by
// overriding a stage on the instance), element by element with Object.is;
// and PySNN's golden trajectories, replayed with saves and restores at random
// points; for networks, a twin driven alike, and one handed off through
// saveState/loadState to a fresh network. `npm test` runs a fixed seed;
// SPIKING_PROPERTY_RUNS=10000 (and SPIKING_PROPERTY_SEED=<n>) run longer or
// elsewhere (README, "Tests").
import fc from 'fast-check';

import * as spiking from '../lib';
import { native } from '../lib/binding';
import { decodeRecord, encodeRecord, type StateRecord } from '../lib/state/codec';
import {
  build,
  buildNetwork,
  applyCommonOp,
  configArb,
  forceStaged,
  forward,
  forwardArgs,
  isTypeOrRangeError,
  networkArb,
  networkBytes,
  networkStateOf,
  recordable,
  runArgs,
  PROPERTY_SEED,
  runs,
  sameBytes,
  stateBytes,
  stateDifference,
  stateOf,
  stepInputArb,
  timeout,
  type AnyLayer,
  type LayerConfig,
  type NetworkConfig,
  type StepInput,
} from './arbitraries';
import { applyOp, build as buildGolden, expectRecorded, golden } from './golden';

fc.configureGlobal({ seed: PROPERTY_SEED });
const ISAS = spiking.instructionSets();
afterAll(() => spiking.setInstructionSet(ISAS[0]));

// ---- invalid forward arguments ------------------------------------------------

const INVALID_INPUTS = [
  'float64', 'int32', 'uint8', 'uint8clamped', 'int16', 'bigint64', 'dataview', 'number', 'string', 'null',
  'undefined', 'object', 'plainArray', 'emptyList', 'listWithBad', 'wrongLength', 'empty', 'detached',
  'detachedInList', 'sharedFloat64', 'preTraceMissing', 'preTraceWidth', 'listMismatch',
] as const;
type InvalidInput = (typeof INVALID_INPUTS)[number];

function detached(length: number): Float32Array {
  const array = new Float32Array(length);
  structuredClone(array.buffer, { transfer: [array.buffer] });
  return array;
}

/** Arguments for forward that must be rejected; null where this kind of bad input does not apply to the layer. */
function invalidArgs(layer: AnyLayer, kind: InvalidInput): unknown[] | null {
  const n = layer.size;
  const isInput = layer instanceof spiking.Input;
  const isFede = layer instanceof spiking.FedeNeuron;
  const ok = () => new Float32Array(n);
  const withPre = (x: unknown) => (isFede ? [x, ok()] : [x]);
  switch (kind) {
    case 'float64': return withPre(new Float64Array(n));
    case 'int32': return withPre(new Int32Array(n));
    case 'uint8': return isInput ? null : withPre(new Uint8Array(n));
    case 'uint8clamped': return withPre(new Uint8ClampedArray(n));
    case 'int16': return withPre(new Int16Array(n));
    case 'bigint64': return withPre(new BigInt64Array(n));
    case 'dataview': return withPre(new DataView(new ArrayBuffer(4 * n)));
    case 'number': return withPre(1);
    case 'string': return withPre('0.5');
    case 'null': return withPre(null);
    case 'undefined': return withPre(undefined);
    case 'object': return withPre({ length: n });
    case 'plainArray': return withPre(Array.from({ length: n }, () => 0.5));
    case 'emptyList': return isFede ? [[], []] : [[]];
    case 'listWithBad': return isInput ? null : isFede ? [[ok(), new Float64Array(n)], [ok(), ok()]] : [[ok(), new Float64Array(n)]];
    case 'wrongLength': return isInput ? [new Float32Array(n + 1)] : n > 1 ? withPre(new Float32Array(2 * n + 1)) : null;
    case 'empty': return withPre(new Float32Array(0));
    case 'detached': return withPre(detached(n));
    case 'detachedInList': return isInput ? null : isFede ? [[ok(), detached(n)], [ok(), ok()]] : [[ok(), detached(n)]];
    case 'sharedFloat64': return withPre(new Float64Array(new SharedArrayBuffer(8 * n)));
    case 'preTraceMissing': return isFede ? [ok()] : null;
    case 'preTraceWidth': return isFede ? [ok(), new Float32Array(2 * n)] : null;
    case 'listMismatch': return isFede ? [[ok()], ok()] : null;
  }
}

/** Calls forward with bad arguments: it must throw a TypeError or RangeError naming x or preTrace and change nothing. */
function expectRejected(layer: AnyLayer, args: unknown[], what: string): void {
  const before = stateBytes(layer);
  let error: unknown = null;
  try {
    forward(layer, args);
  } catch (e) {
    error = e;
  }
  if (!isTypeOrRangeError(error)) {
    throw new Error(`forward with ${what} did not throw a TypeError or RangeError: ${String(error)}`);
  }
  if (!/^Expected .*\b(x|preTrace)\b/.test(error.message)) {
    throw new Error(`forward with ${what}: the message does not name x or preTrace: ${error.message}`);
  }
  if (!sameBytes(before, stateBytes(layer))) throw new Error(`forward with ${what} changed the state`);
}

// ---- operations ---------------------------------------------------------------

type Op =
  | { op: 'forward'; input: StepInput }
  | { op: 'run'; input: StepInput; steps: number; record: number; async: boolean }
  | { op: 'resetState' | 'resetThresh' | 'initNeuron' }
  | { op: 'saveRestore'; how: 'loadState' | 'fromState' | 'loadLayer' }
  | { op: 'invalid'; kind: InvalidInput };

const runArb = fc.record({
  op: fc.constant('run' as const),
  input: stepInputArb,
  steps: fc.integer({ min: 1, max: 6 }),
  record: fc.nat(15),
  async: fc.boolean(),
});

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: stepInputArb.map((input) => ({ op: 'forward' as const, input })) },
  { weight: 2, arbitrary: runArb },
  { weight: 1, arbitrary: fc.constantFrom('resetState', 'resetThresh', 'initNeuron').map((op) => ({ op })) },
  { weight: 1, arbitrary: fc.constantFrom('loadState', 'fromState', 'loadLayer').map((how) => ({ op: 'saveRestore' as const, how })) },
  { weight: 2, arbitrary: fc.constantFrom(...INVALID_INPUTS).map((kind) => ({ op: 'invalid' as const, kind })) },
);

/** A layer with the saved state of `layer`, built the way `how` says (loadState goes into a layer that has run first). */
function restored(layer: AnyLayer, config: LayerConfig, how: 'loadState' | 'fromState' | 'loadLayer'): AnyLayer {
  const bytes = layer.saveState();
  if (how === 'fromState') return (Object.getPrototypeOf(layer).constructor as typeof spiking.LIFNeuron).fromState(bytes) as AnyLayer;
  if (how === 'loadLayer') return spiking.loadLayer(bytes) as AnyLayer;
  const fresh = build(config);
  forward(fresh, forwardArgs(fresh, { widths: [1], list: false, seed: 7, mix: 'grid', backing: 'plain', bytes: false }));
  fresh.loadState(bytes);
  return fresh;
}

/** run() (or runAsync(), which returns a promise) with the op's inputs and records. */
function runCall(layer: AnyLayer, op: Extract<Op, { op: 'run' }>, useAsync: boolean): unknown {
  const options = { steps: op.steps, record: recordable(layer).filter((_, r) => op.record & (1 << r)) };
  const method = (useAsync ? layer.runAsync : layer.run) as (...a: unknown[]) => unknown;
  return method.apply(layer, [...runArgs(layer, op.input, op.steps), options]);
}

/** A run's result with every array copied to plain numbers. */
function copied(result: unknown): Record<string, ArrayLike<number>> {
  return Object.fromEntries(Object.entries(result as Record<string, ArrayLike<number>>).map(([k, v]) => [k, Array.from(v)]));
}

function apply(layer: AnyLayer, op: Op): void {
  if (op.op === 'forward') forward(layer, forwardArgs(layer, op.input));
  else if (op.op === 'run') runCall(layer, op, false);
  else if (op.op === 'resetThresh') (layer as spiking.LIFNeuron).resetThresh?.();
  else if (op.op === 'resetState' || op.op === 'initNeuron') layer[op.op]();
}

describe('properties', () => {
  test(
    'the fused kernels (forward, run, runAsync) equal the staged path bit for bit, through every operation',
    async () => {
      await fc.assert(
        fc.asyncProperty(configArb(), fc.nat(ISAS.length - 1), fc.array(opArb, { minLength: 1, maxLength: 12 }), async (config, isa, ops) => {
          spiking.setInstructionSet(ISAS[isa]);
          let fused = build(config);
          let staged = forceStaged(build(config));
          for (const [step, op] of ops.entries()) {
            if (op.op === 'invalid') {
              const args = invalidArgs(fused, op.kind);
              if (!args) continue;
              expectRejected(fused, args, op.kind);
              expectRejected(staged, args, op.kind);
            } else if (op.op === 'run') {
              // The fused layer runs natively (runAsync: on a worker thread); the staged one runs forward step by step.
              const a = copied(await runCall(fused, op, op.async));
              const b = copied(runCall(staged, op, false));
              const difference = stateDifference(a, b);
              if (difference) throw new Error(`op ${step} (run${op.async ? 'Async' : ''}) on ${ISAS[isa]}: results differ: ${difference}`);
            } else if (op.op === 'saveRestore') {
              fused = restored(fused, config, op.how);
              staged = forceStaged(restored(staged, config, op.how));
            } else {
              apply(fused, op);
              apply(staged, op);
            }
            const difference = stateDifference(stateOf(fused), stateOf(staged));
            if (difference) throw new Error(`after op ${step} (${op.op}) on ${ISAS[isa]}: fused vs staged ${difference}`);
          }
        }),
        { numRuns: runs(300) },
      );
    },
    timeout(300),
  );

  test(
    "PySNN's golden trajectories hold with saves and restores at random points, on every path",
    () => {
      const caseArb = fc.nat(golden.cases.length - 1).chain((c) =>
        fc.record({
          c: fc.constant(c),
          isa: fc.nat(ISAS.length - 1),
          staged: fc.boolean(),
          restores: fc.array(
            fc.record({ at: fc.nat(golden.cases[c].ops.length - 1), how: fc.constantFrom('loadState', 'fromState', 'loadLayer') }),
            { maxLength: 3 },
          ),
        }),
      );
      fc.assert(
        fc.property(caseArb, ({ c, isa, staged, restores }) => {
          spiking.setInstructionSet(ISAS[isa]);
          const gcase = golden.cases[c];
          const config = { cls: gcase.class, options: gcase.params, n: 0 };
          const path = (l: AnyLayer) => (staged ? forceStaged(l) : l);
          let layer = path(buildGolden(gcase.class, gcase.params) as AnyLayer);
          gcase.ops.forEach((op, step) => {
            applyOp(layer, op);
            for (const r of restores.filter((r) => r.at === step)) layer = path(restored(layer, config, r.how));
            expectRecorded(layer, op, `${gcase.name} op ${step} on ${ISAS[isa]}`);
          });
          if (gcase.completeTrace) {
            const complete = (layer as spiking.LIFNeuron).completeTrace!;
            expect(complete.shape).toEqual(gcase.completeTrace.shape);
            expect(Array.from(complete.data)).toEqual(gcase.completeTrace.data);
          }
        }),
        { numRuns: runs(150) },
      );
    },
    timeout(150),
  );

  test(
    'bad forward arguments of every kind throw a clear TypeError or RangeError and change nothing',
    () => {
      fc.assert(
        fc.property(
          configArb(),
          fc.array(stepInputArb, { maxLength: 3 }),
          fc.constantFrom(...INVALID_INPUTS),
          fc.boolean(),
          (config, warmup, kind, staged) => {
            const layer = staged ? forceStaged(build(config)) : build(config);
            for (const input of warmup) forward(layer, forwardArgs(layer, input));
            const args = invalidArgs(layer, kind);
            if (args) expectRejected(layer, args, kind);
          },
        ),
        { numRuns: runs(300) },
      );
    },
    timeout(300),
  );

  test(
    'bad options of every kind throw a TypeError or RangeError naming the option',
    () => {
      const mutationArb = fc.record({
        which: fc.nat(),
        how: fc.nat(),
        index: fc.nat(),
      });
      fc.assert(
        fc.property(configArb(), mutationArb, (config, m) => {
          const [options, name] = mutate(config, m);
          const Class = spiking[config.cls] as unknown as new (options: unknown) => AnyLayer;
          let error: unknown = null;
          try {
            new Class(options);
          } catch (e) {
            error = e;
          }
          if (!isTypeOrRangeError(error)) {
            throw new Error(`${config.cls} with a bad ${name} did not throw a TypeError or RangeError: ${String(error)}`);
          }
          const named = error.message.startsWith('Unknown option')
            ? error.message.includes(JSON.stringify(name))
            : new RegExp(`^Expected .* for ${name} but received `).test(error.message);
          if (!named) throw new Error(`${config.cls} with a bad ${name}: the message does not name it: ${error.message}`);
        }),
        { numRuns: runs(500) },
      );
    },
    timeout(500),
  );

  test(
    'random interleavings of every operation, bad ones and detached state included, never crash',
    () => {
      const chaosOp = fc.oneof(
        { weight: 6, arbitrary: opArb },
        { weight: 1, arbitrary: fc.constantFrom('detachState', 'toggleStaged', 'saveGarbage', 'truncatedLoad', 'flippedLoad').map((op) => ({ op })) },
        { weight: 1, arbitrary: fc.nat(ISAS.length - 1).map((isa) => ({ op: 'isa', isa })) },
      );
      fc.assert(
        fc.property(configArb(), fc.array(chaosOp, { minLength: 1, maxLength: 16 }), fc.nat(), (config, ops, salt) => {
          let layer = build(config);
          let saved: Uint8Array | null = null;
          for (const op of ops as (Op | { op: string; isa?: number })[]) {
            try {
              switch (op.op) {
                case 'detachState': {
                  const buffer = layer.trace.buffer as ArrayBuffer;
                  if (buffer.byteLength > 0) structuredClone(buffer, { transfer: [buffer] });
                  break;
                }
                case 'toggleStaged':
                  if (Object.prototype.hasOwnProperty.call(layer, 'updateTrace')) delete (layer as { updateTrace?: unknown }).updateTrace;
                  else forceStaged(layer);
                  break;
                case 'saveGarbage':
                  saved = layer.saveState();
                  break;
                case 'truncatedLoad':
                  if (saved) layer.loadState(saved.subarray(0, salt % saved.length));
                  break;
                case 'flippedLoad':
                  if (saved) {
                    const bad = saved.slice();
                    bad[salt % bad.length] ^= 1 + (salt % 255);
                    layer.loadState(bad);
                  }
                  break;
                case 'isa':
                  spiking.setInstructionSet(ISAS[(op as { isa: number }).isa]);
                  break;
                case 'invalid': {
                  const args = invalidArgs(layer, (op as { kind: InvalidInput }).kind);
                  if (args) forward(layer, args);
                  break;
                }
                case 'saveRestore':
                  layer = restored(layer, config, (op as { how: 'loadState' }).how);
                  break;
                default:
                  apply(layer, op as Op);
              }
            } catch (e) {
              if (!isTypeOrRangeError(e)) throw e;
            }
          }
        }),
        { numRuns: runs(300) },
      );
    },
    timeout(300),
  );

  test(
    'the native layer rejects or survives any corruption of the slab header (run under npm run test:asan)',
    () => {
      const slotArb = fc.record({
        slot: fc.nat(native.layerLayout.slots.count - 1),
        value: fc.oneof(
          fc.constantFrom(NaN, Infinity, -Infinity, -1, -0, 0, 1, 2, 3.5, 2 ** 31, 2 ** 32, 2 ** 53, 1e300, -64),
          fc.integer({ min: -4096, max: 1 << 20 }),
          fc.double(),
        ),
        relative: fc.constantFrom('absolute', 'byteLength', 'headerBytes', 'nudge'),
      });
      fc.assert(
        fc.property(configArb(), stepInputArb, fc.array(slotArb, { minLength: 1, maxLength: 4 }), fc.nat(), (config, input, edits, cut) => {
          const layer = build(config);
          const slab = (layer as unknown as { state: { buffer: ArrayBuffer } }).state.buffer;
          const copy = slab.slice(0, cut % 4 === 0 ? cut % (slab.byteLength + 1) : slab.byteLength);
          if (copy.byteLength >= native.layerLayout.headerBytes) {
            const header = new Float64Array(copy, 0, native.layerLayout.slots.count);
            for (const e of edits) {
              const small = Math.trunc(e.value) % 256;
              header[e.slot] =
                e.relative === 'byteLength' ? copy.byteLength + small
                : e.relative === 'headerBytes' ? native.layerLayout.headerBytes + small
                : e.relative === 'nudge' ? header[e.slot] + small
                : e.value;
            }
          }
          const args = forwardArgs(layer, input);
          try {
            native.step(copy, args[0], args[1]);
          } catch (e) {
            if (!isTypeOrRangeError(e)) throw e;
          }
        }),
        { numRuns: runs(1500) },
      );
    },
    timeout(1500),
  );
});

// ---- networks ---------------------------------------------------------------------

type NetOp =
  | { op: 'step' }
  | { op: 'run'; steps: number }
  | { op: 'reset' }
  | { op: 'resetMask'; mask: boolean[] }
  | { op: 'feed'; seed: number }
  | { op: 'saveLoad' }
  | { op: 'handoff' }
  | { op: 'badLoad'; how: 'truncate' | 'flip' | 'garbage' | 'empty' | 'notBytes' | 'badConnection'; salt: number }
  | { op: 'badRun'; steps: unknown }
  | { op: 'badMask'; mask: unknown };

const goodNetOpArb: fc.Arbitrary<NetOp> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ op: 'step' as const }) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 4 }).map((steps) => ({ op: 'run' as const, steps })) },
  { weight: 1, arbitrary: fc.constant({ op: 'reset' as const }) },
  { weight: 2, arbitrary: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }).map((mask) => ({ op: 'resetMask' as const, mask })) },
  { weight: 2, arbitrary: fc.integer().map((seed) => ({ op: 'feed' as const, seed })) },
  { weight: 1, arbitrary: fc.constant({ op: 'saveLoad' as const }) },
  { weight: 2, arbitrary: fc.constant({ op: 'handoff' as const }) },
);
const badNetOpArb: fc.Arbitrary<NetOp> = fc.oneof(
  fc.record({ op: fc.constant('badLoad' as const), how: fc.constantFrom('truncate', 'flip', 'garbage', 'empty', 'notBytes', 'badConnection'), salt: fc.nat() }),
  fc.constantFrom<unknown>(-1, 1.5, NaN, Infinity, '2', null, 2 ** 53, -0.5).map((steps) => ({ op: 'badRun' as const, steps })),
  fc.constantFrom<unknown>('wrongLength', 'extra', null, 5, 'abc').map((mask) => ({ op: 'badMask' as const, mask })),
);

/** A new network of the same config that takes over `net`'s saved state. */
function handedOff(net: spiking.Network, config: NetworkConfig): spiking.Network {
  const fresh = buildNetwork(config);
  fresh.loadState(net.saveState());
  return fresh;
}

/** Applies a valid operation; returns the new network (a handoff replaces it) and the run's spike counts, if any. */
function driveNetwork(net: spiking.Network, config: NetworkConfig, op: NetOp): [spiking.Network, Record<string, Float64Array> | null] {
  switch (op.op) {
    case 'run': {
      const result = net.run(op.steps);
      if (result.steps !== op.steps) throw new Error(`run(${op.steps}) reported ${result.steps} steps`);
      return [net, result.spikeCounts];
    }
    case 'handoff':
      return [handedOff(net, config), null];
    case 'step':
    case 'reset':
    case 'resetMask':
    case 'feed':
    case 'saveLoad':
      applyCommonOp(net, config, op);
      break;
    default:
      throw new Error(`not a valid operation: ${op.op}`);
  }
  return [net, null];
}

/** The start of the message a rejected call must throw. */
function rejectionMessage(op: NetOp): RegExp {
  if (op.op === 'badRun') return /^Expected a whole number >= 0 for steps but received /;
  if (op.op === 'badMask') return /^Expected one entry per sample \(\d\), true to reset that sample for mask but received /;
  if (op.op === 'badLoad' && op.how === 'notBytes') return /^Expected a Uint8Array \(or Buffer\) holding a saved state for bytes but received an array /;
  return /^Expected .* for the saved state's .* but received /;
}

/**
 * Makes a call the network must reject. badConnection loads `stale` (a state
 * saved earlier, whose layers differ from the current ones) with the last
 * connection's source renamed: valid layers, then a bad field.
 */
function rejectedNetworkCall(net: spiking.Network, config: NetworkConfig, op: NetOp, stale: Uint8Array): void {
  if (op.op === 'badRun') {
    net.run(op.steps as number);
  } else if (op.op === 'badMask') {
    const mask =
      op.mask === 'wrongLength' ? new Array(config.batch + 1).fill(true)
      : op.mask === 'extra' ? new Uint8Array(config.batch + 2)
      : op.mask;
    net.resetState(mask as boolean[]);
  } else if (op.op === 'badLoad') {
    const saved = net.saveState();
    let bad: unknown;
    if (op.how === 'truncate') bad = saved.subarray(0, op.salt % saved.length);
    else if (op.how === 'flip') {
      bad = saved.slice();
      (bad as Uint8Array)[op.salt % saved.length] ^= 1 + (op.salt % 255);
    } else if (op.how === 'garbage') bad = Uint8Array.from({ length: 1 + (op.salt % 300) }, (_, i) => (op.salt * 31 + i * 17) & 255);
    else if (op.how === 'empty') bad = new Uint8Array(0);
    else if (op.how === 'notBytes') bad = Array.from(saved);
    else {
      const record = decodeRecord(stale);
      const connections = [...(record.fields.get('connections') as StateRecord).fields.values()] as StateRecord[];
      connections[connections.length - 1].fields.set('from', 'nowhere');
      bad = encodeRecord(record);
    }
    net.loadState(bad as Uint8Array);
  } else {
    throw new Error(`not a rejected operation: ${op.op}`);
  }
}

describe('property: networks', () => {
  const casesArb = fc.record({ config: networkArb, isa: fc.nat(ISAS.length - 1) });

  test(
    'random operations never crash; every rejected call throws a named TypeError or RangeError and changes no bit',
    () => {
      const opsArb = fc.array(fc.oneof({ weight: 3, arbitrary: goodNetOpArb }, { weight: 2, arbitrary: badNetOpArb }), { minLength: 1, maxLength: 14 });
      fc.assert(
        fc.property(casesArb, opsArb, ({ config, isa }, ops) => {
          spiking.setInstructionSet(ISAS[isa]);
          let net = buildNetwork(config);
          const stale = net.saveState();
          let time = 0;
          for (const [k, op] of ops.entries()) {
            const where = `op ${k} (${op.op}) on ${ISAS[isa]}`;
            if (op.op === 'badLoad' || op.op === 'badRun' || op.op === 'badMask') {
              const before = networkBytes(net);
              let error: unknown = null;
              try {
                rejectedNetworkCall(net, config, op, stale);
              } catch (e) {
                error = e;
              }
              if (!isTypeOrRangeError(error)) throw new Error(`${where}: expected a TypeError or RangeError, got ${String(error)}`);
              if (!rejectionMessage(op).test(error.message)) throw new Error(`${where}: unexpected message: ${error.message}`);
              if (!sameBytes(before, networkBytes(net))) throw new Error(`${where}: the rejected call changed the network's state`);
            } else {
              [net] = driveNetwork(net, config, op);
              time = op.op === 'step' ? time + 1 : op.op === 'run' ? time + op.steps : op.op === 'reset' ? 0 : time;
            }
            if (net.time !== time) throw new Error(`${where}: time ${net.time}, expected ${time}`);
          }
        }),
        { numRuns: runs(150) },
      );
    },
    timeout(150),
  );

  test(
    'two identical networks driven alike stay bit-identical in every layer after every operation',
    () => {
      fc.assert(
        fc.property(casesArb, fc.array(goodNetOpArb, { minLength: 1, maxLength: 14 }), ({ config, isa }, ops) => {
          spiking.setInstructionSet(ISAS[isa]);
          let a = buildNetwork(config);
          let b = buildNetwork(config);
          for (const [k, op] of ops.entries()) {
            let countsA: Record<string, Float64Array> | null;
            let countsB: Record<string, Float64Array> | null;
            [a, countsA] = driveNetwork(a, config, op);
            [b, countsB] = driveNetwork(b, config, op);
            const difference = stateDifference(networkStateOf(a), networkStateOf(b)) ?? (countsA && stateDifference(countsA, countsB!));
            if (difference) throw new Error(`after op ${k} (${op.op}) on ${ISAS[isa]}: ${difference}`);
            if (!sameBytes([a.saveState()], [b.saveState()])) throw new Error(`after op ${k} (${op.op}) on ${ISAS[isa]}: the saved states differ`);
          }
        }),
        { numRuns: runs(150) },
      );
    },
    timeout(150),
  );

  test(
    'save, load into a fresh identical network and continue gives the bits of the uninterrupted network',
    () => {
      const opsArb = fc.array(goodNetOpArb.filter((op) => op.op !== 'handoff'), { minLength: 1, maxLength: 14 });
      const handoffsArb = fc.array(fc.boolean(), { minLength: 14, maxLength: 14 }).filter((h) => h.some(Boolean));
      fc.assert(
        fc.property(casesArb, opsArb, handoffsArb, ({ config, isa }, ops, handoffs) => {
          spiking.setInstructionSet(ISAS[isa]);
          const uninterrupted = buildNetwork(config);
          let resumed = buildNetwork(config);
          let handedOffs = 0;
          for (const [k, op] of ops.entries()) {
            if (handoffs[k]) {
              resumed = handedOff(resumed, config);
              handedOffs++;
            }
            const [, countsA] = driveNetwork(uninterrupted, config, op);
            const [, countsB] = driveNetwork(resumed, config, op);
            const difference =
              stateDifference(networkStateOf(uninterrupted), networkStateOf(resumed)) ?? (countsA && stateDifference(countsA, countsB!));
            if (difference) throw new Error(`after op ${k} (${op.op}, ${handedOffs} handoffs) on ${ISAS[isa]}: ${difference}`);
            if (resumed.time !== uninterrupted.time) throw new Error(`after op ${k}: time ${resumed.time} vs ${uninterrupted.time}`);
          }
          if (!sameBytes([uninterrupted.saveState()], [resumed.saveState()])) throw new Error('the final saved states differ');
        }),
        { numRuns: runs(150) },
      );
    },
    timeout(150),
  );
});

// xsimd's float != is an ordered compare on AVX and AVX-512 (NaN != 0 is
// false) but unordered on SSE2 and NEON, so the Input kernel tests !(x == 0):
// a NaN input spikes under every instruction set, as on the staged path.
test('an Input fed NaN spikes alike under every instruction set', () => {
  const x = new Float32Array(19).fill(0);
  x[3] = NaN; // in a full vector
  x[18] = NaN; // in the tail
  const spikes = ISAS.map((isa) => {
    spiking.setInstructionSet(isa);
    const input = new spiking.Input({ cellsShape: [19], dt: 1, alphaT: 1, tauT: 0.5 });
    input.forward(x);
    return [input.spikes[3], input.spikes[18]];
  });
  const staged = forceStaged(new spiking.Input({ cellsShape: [19], dt: 1, alphaT: 1, tauT: 0.5 }));
  staged.forward(x);
  expect([staged.spikes[3], staged.spikes[18]]).toEqual([1, 1]);
  expect(spikes).toEqual(ISAS.map(() => [1, 1]));
});

// ---- option mutations ------------------------------------------------------------

const REQUIRED: Record<string, string[]> = {
  Input: ['cellsShape', 'dt', 'alphaT', 'tauT'],
  IFNeuron: ['cellsShape', 'thresh', 'vRest', 'alphaV', 'alphaT', 'dt', 'durationRefrac', 'tauT'],
  LIFNeuron: ['cellsShape', 'thresh', 'vRest', 'alphaV', 'alphaT', 'dt', 'durationRefrac', 'tauV', 'tauT'],
  AdaptiveLIFNeuron: ['cellsShape', 'thresh', 'vRest', 'alphaV', 'alphaT', 'dt', 'durationRefrac', 'tauV', 'tauT', 'alphaThresh', 'tauThresh'],
  FedeNeuron: ['cellsShape', 'thresh', 'vRest', 'alphaV', 'alphaT', 'dt', 'durationRefrac', 'tauV', 'tauT'],
  AdaptiveThresholdLIFNeuron: ['cellsShape', 'thresh', 'vRest', 'alphaV', 'alphaT', 'dt', 'durationRefrac', 'tauV', 'tauT', 'thetaPlus', 'tauTheta'],
};
const PER_NEURON = ['thresh', 'alphaV', 'alphaT', 'tauV', 'tauT', 'alphaThresh', 'tauThresh', 'thetaPlus', 'tauTheta'];
const DECAYS = ['tauV', 'tauT', 'tauThresh', 'tauTheta'];
const NOT_NUMBERS = [NaN, Infinity, -Infinity, '1', null, {}, true, []];
const BAD_SHAPES: unknown[] = [[], [0], [-3], [1.5], [2 ** 31, 2 ** 31], 'abc', [NaN], [1, 2 ** 53], [2, -1], {}, null, 7];

/** One invalid change to valid options, and the name the error must carry (as a regular expression). */
function mutate(config: LayerConfig, m: { which: number; how: number; index: number }): [Record<string, unknown>, string] {
  const options = { ...config.options };
  const required = REQUIRED[config.cls];
  const present = Object.keys(options);
  const exponential = config.cls === 'FedeNeuron' || options.updateType === 'exponential';
  const kinds = ['missing', 'unknown', 'notNumber', 'shape', 'dt', 'refrac', 'decay', 'wrongLength', 'badElement', 'float64', 'update', 'storeTrace'];
  const kind = kinds[m.which % kinds.length];
  const pick = <T>(list: readonly T[]) => list[m.how % list.length];
  const numeric = present.filter((k) => k !== 'cellsShape' && k !== 'updateType' && k !== 'storeTrace');
  const perNeuron = present.filter((k) => PER_NEURON.includes(k));
  switch (kind) {
    case 'missing': {
      const key = pick(required);
      delete options[key];
      return [options, key];
    }
    case 'unknown': {
      const foreign = ['tauv', 'threshold', 'cells_shape', 'foo', ...(config.cls === 'IFNeuron' ? ['tauV'] : []), ...(config.cls === 'FedeNeuron' ? ['updateType'] : []), ...(config.cls === 'Input' ? ['storeTrace', 'thresh'] : [])];
      const key = pick(foreign);
      options[key] = 1;
      return [options, key];
    }
    case 'notNumber': {
      const key = pick(numeric);
      options[key] = NOT_NUMBERS[m.index % NOT_NUMBERS.length];
      return [options, key];
    }
    case 'shape':
      options.cellsShape = pick(BAD_SHAPES);
      return [options, Array.isArray(options.cellsShape) && options.cellsShape.length > 0 && !(options.cellsShape as number[]).every((d) => d > 0 && Number.isSafeInteger(d)) ? `cellsShape\\[\\d+\\]` : 'cellsShape'];
    case 'dt':
      options.dt = pick([0, -1, -0, -1e-9]);
      return [options, 'dt'];
    case 'refrac':
      if (config.cls === 'Input') return mutate(config, { ...m, which: 0 });
      options.durationRefrac = pick([-(options.dt as number), 1.5 * (options.dt as number), 0.3 * (options.dt as number), 2 ** 25 * (options.dt as number)]);
      return [options, 'durationRefrac'];
    case 'decay': {
      const keys = present.filter((k) => DECAYS.includes(k));
      const key = pick(keys);
      const bad = exponential ? pick([0, -1, -0.5]) : pick([1.5, -0.1, 2]);
      if (m.index % 2 === 0) {
        options[key] = bad;
        return [options, key];
      }
      const values = Float32Array.from({ length: config.n }, () => (exponential ? 1 : 0.5));
      values[m.index % config.n] = bad;
      options[key] = values;
      return [options, `${key}\\[${m.index % config.n}\\]`];
    }
    case 'wrongLength': {
      const key = pick(perNeuron);
      options[key] = new Float32Array(config.n + 1 + (m.index % 3));
      return [options, key];
    }
    case 'badElement': {
      const key = pick(perNeuron);
      const values = Array.from({ length: config.n }, () => 0.5) as unknown[];
      values[m.index % config.n] = pick([NaN, Infinity, 'x', null]);
      options[key] = values;
      return [options, `${key}\\[${m.index % config.n}\\]`];
    }
    case 'float64': {
      const key = pick(perNeuron);
      options[key] = new Float64Array(config.n);
      return [options, key];
    }
    case 'update':
      if (config.cls === 'FedeNeuron') return mutate(config, { ...m, which: 1 });
      options.updateType = pick(['Linear', 'exp', '', 1, {}]);
      return [options, 'updateType'];
    case 'storeTrace':
      if (config.cls === 'Input') return mutate(config, { ...m, which: 1 });
      options.storeTrace = pick([1, 'true', null, {}]);
      return [options, 'storeTrace'];
  }
  throw new Error(`unknown mutation ${kind}`);
}
