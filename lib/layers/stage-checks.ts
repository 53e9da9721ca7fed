import { validateOptions, type LayerKind, type LayerSpec } from './options';

// Specs made by a subclass constructor, so that its base constructor takes
// them as they are instead of validating the subclass's options again.
const validated = new WeakSet<object>();

export function validatedSpec(kind: LayerKind, options: unknown): LayerSpec {
  const spec = validateOptions(kind, options);
  validated.add(spec);
  return spec;
}

/** The spec a base-class constructor builds from: its subclass's, or its own options validated. */
export function specFor(kind: LayerKind, options: unknown): LayerSpec {
  return typeof options === 'object' && options !== null && validated.has(options)
    ? (options as LayerSpec)
    : validateOptions(kind, options);
}

/** Whether an instance still has its class's own stages (then forward may run the fused kernel). */
export type StageCheck = (instance: object) => boolean;

/**
 * A check that none of the named stages of `proto` is overridden, on a
 * subclass or on the instance. It runs on every step, so it is compiled once
 * per class into plain property comparisons (`self.fold === proto.fold && ...`),
 * which V8 caches, instead of a loop of computed lookups, which cost
 * ~150 ns per forward. The names are the library's own constant stage lists.
 */
export function stageCheck(proto: object, stages: readonly string[]): StageCheck {
  for (const stage of stages) {
    if (!/^[A-Za-z_$][\w$]*$/.test(stage)) throw new Error(`not a stage name: ${stage}`);
  }
  const body = `return ${stages.map((stage) => `self.${stage} === proto.${stage}`).join(' && ')};`;
  const compiled = new Function('self', 'proto', body) as (self: object, proto: object) => boolean;
  return (instance) => compiled(instance, proto);
}
