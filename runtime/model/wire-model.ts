/**
 * Types of the compact wire model that `scripts/generate-batch-shapes.js` generates from the
 * AWS Batch service model into `batch-wire-model.generated.ts`.
 */

/** Where a structure member travels on the wire; absent means the JSON body. */
export type MemberLocation = 'uri' | 'querystring' | 'header';

/** A member of a structure shape. */
export interface WireMember {
  /** Name of the member's shape in {@link WireModel.shapes}. */
  readonly shape: string;
  /** @default - the JSON body */
  readonly location?: MemberLocation;
  /** Name on the wire when it differs from the member name. @default - the member name */
  readonly locationName?: string;
}

/** One shape of the model, with the constraints the model declares on it. */
export interface WireShape {
  readonly type: 'structure' | 'list' | 'map' | 'string' | 'integer' | 'long' | 'float' | 'double' | 'boolean' | 'timestamp' | 'blob';
  /** Structures: members by name. */
  readonly members?: Record<string, WireMember>;
  /** Structures: names of required members. */
  readonly required?: readonly string[];
  /** Lists: the shape of each element. */
  readonly member?: string;
  /** Maps: the shape of keys. */
  readonly key?: string;
  /** Maps: the shape of values. */
  readonly value?: string;
  /** Strings: allowed values. */
  readonly enum?: readonly string[];
  /** Length (strings, lists, maps) or value (numbers) lower bound. */
  readonly min?: number;
  /** Length (strings, lists, maps) or value (numbers) upper bound. */
  readonly max?: number;
  /** Strings: a regular expression the value must match. */
  readonly pattern?: string;
}

/** An operation's HTTP binding. */
export interface WireOperation {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Request URI template, e.g. `/v1/tags/{resourceArn}`. */
  readonly uri: string;
  /** Whether the local server implements the operation. */
  readonly implemented: boolean;
  /** Name of the input shape. */
  readonly input?: string;
}

/** The generated model: operations by name and the shapes their inputs reach. */
export interface WireModel {
  readonly operations: Record<string, WireOperation>;
  readonly shapes: Record<string, WireShape>;
}
