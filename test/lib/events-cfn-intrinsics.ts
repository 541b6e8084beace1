/**
 * Evaluates the CloudFormation intrinsics that synthesized event patterns hold (`Ref`,
 * `Fn::GetAtt`, `Fn::Join`, `Fn::Select`, `Fn::Split`), the way CloudFormation would at deploy
 * time, given what each resource's `Ref` and attributes return. Tests use it to turn a template's
 * pattern into the one EventBridge would store, then run it against sample events.
 */
export interface DeployedValues {
  /** What `Ref` returns, by logical id; pseudo parameters (`AWS::Region`, ...) go here too. */
  readonly refs: Record<string, string>;
  /** What `Fn::GetAtt` returns, by `<logicalId>.<attribute>`. */
  readonly attributes?: Record<string, string>;
  /**
   * What an intrinsic the values above do not cover returns (for parts of a template a test
   * does not look into, such as a target's ARN).
   *
   * @default - such an intrinsic throws
   */
  readonly placeholder?: (intrinsic: string) => string;
}

/** `value` with every intrinsic replaced by its deployed value; throws on any it does not know. */
export function evaluateIntrinsics(value: unknown, deployed: DeployedValues): unknown {
  if (Array.isArray(value)) return value.map((v) => evaluateIntrinsics(v, deployed));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value);
  if (entries.length === 1 && (entries[0][0] === 'Ref' || entries[0][0].startsWith('Fn::'))) {
    return evaluateFunction(entries[0][0], entries[0][1], deployed);
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, evaluateIntrinsics(v, deployed)]));
}

function evaluateFunction(name: string, args: unknown, deployed: DeployedValues): unknown {
  switch (name) {
    case 'Ref': {
      const id = args as string;
      if (id in deployed.refs) return deployed.refs[id];
      if (deployed.placeholder) return deployed.placeholder(`Ref ${id}`);
      throw new Error(`no deployed value given for Ref ${id}`);
    }
    case 'Fn::GetAtt': {
      const key = (args as string[]).join('.');
      if (deployed.attributes && key in deployed.attributes) return deployed.attributes[key];
      if (deployed.placeholder) return deployed.placeholder(`Fn::GetAtt ${key}`);
      throw new Error(`no deployed value given for Fn::GetAtt ${key}`);
    }
    case 'Fn::Join': {
      const [separator, parts] = args as [string, unknown];
      return (evaluateIntrinsics(parts, deployed) as string[]).join(separator);
    }
    case 'Fn::Select': {
      const [index, list] = args as [number | string, unknown];
      const items = evaluateIntrinsics(list, deployed) as unknown[];
      const at = Number(index);
      if (!(at >= 0 && at < items.length)) throw new Error(`Fn::Select index ${index} is out of range for ${JSON.stringify(items)}`);
      return items[at];
    }
    case 'Fn::Split': {
      const [separator, source] = args as [string, unknown];
      return (evaluateIntrinsics(source, deployed) as string).split(separator);
    }
    default:
      throw new Error(`unsupported intrinsic ${name}`);
  }
}
