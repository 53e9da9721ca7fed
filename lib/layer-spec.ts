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

/** True when none of the named stages differs from the class prototype's own. */
export function stagesUntouched(instance: object, proto: object, stages: readonly string[]): boolean {
  const self = instance as Record<string, unknown>;
  const own = proto as Record<string, unknown>;
  for (const stage of stages) if (self[stage] !== own[stage]) return false;
  return true;
}
