/**
 * Turns a resolved CloudFormation resource's `Properties` into the matching AWS Batch API
 * request, guided by the API's input shape from the generated service model: property names
 * match members case-insensitively (`Vcpus` is `vcpus`, `MaxvCpus` is `maxvCpus`), map keys
 * (parameters, tags, log options) are kept as written, and scalars CloudFormation accepts as
 * strings (`"10"`, `"true"`) become the numbers and booleans the API expects.
 */
import type { WireModel } from '../model/wire-model';

/** Called for each property the API has no member for. */
export type UnmatchedPropertyReporter = (propertyPath: string, message: string) => void;

/** Converts `value` to API shape `shapeName`; properties without an API member are reported and left out. */
export function cfnToApi(model: WireModel, shapeName: string, value: unknown, path: string, report: UnmatchedPropertyReporter, ignored: ReadonlySet<string> = new Set()): unknown {
  const shape = model.shapes[shapeName];
  if (!shape) throw new Error(`shape '${shapeName}' is missing from the generated wire model`);
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
      const byLowerName = new Map(Object.entries(shape.members ?? {}).map(([name, member]) => [name.toLowerCase(), { name, member }]));
      const out: Record<string, unknown> = {};
      for (const [key, v] of Object.entries(value)) {
        const propertyPath = path === '' ? key : `${path}.${key}`;
        if (ignored.has(propertyPath)) continue;
        const match = byLowerName.get(key.toLowerCase());
        if (!match || match.member.location !== undefined) {
          report(propertyPath, `${propertyPath} has no counterpart in the AWS Batch API (${shapeName}); it is left out`);
          continue;
        }
        out[match.name] = cfnToApi(model, match.member.shape, v, propertyPath, report, ignored);
      }
      return out;
    }
    case 'list':
      return Array.isArray(value) ? value.map((v, i) => cfnToApi(model, shape.member!, v, `${path}[${i}]`, report, ignored)) : value;
    case 'map': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
      return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, cfnToApi(model, shape.value!, v, `${path}.${key}`, report, ignored)]));
    }
    case 'integer':
    case 'long':
    case 'float':
    case 'double':
      return typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value;
    case 'boolean':
      return value === 'true' ? true : value === 'false' ? false : value;
    case 'string':
      return typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
    default:
      return value;
  }
}
