/**
 * What a template's references resolve to while loading: pseudo parameters, template
 * parameters, conditions, the Batch resources already created (their real ARNs) and
 * placeholders for everything else. Each placeholder used is recorded once.
 */
import { NO_VALUE, resolveIntrinsics, type IntrinsicResolver } from './intrinsics';
import { placeholderValue, type PlaceholderScope } from './placeholders';
import type { CfnTemplate } from '../model/cfn-template';

export type { CfnTemplate, TemplateResource } from '../model/cfn-template';

/** Pseudo parameter values, and where placeholder ARNs live. */
export interface TemplateScope extends PlaceholderScope {
  readonly stackName: string;
}

/** A stand-in value used for a reference to something outside AWS Batch. */
export interface PlaceholderValue {
  /** Logical id of the referenced resource. */
  readonly logicalId: string;
  /** Its CloudFormation type, e.g. `AWS::IAM::Role`. */
  readonly resourceType: string;
  /** The `Fn::GetAtt` attribute, or undefined for `Ref`. */
  readonly attribute?: string;
  /** The stand-in value given to the engine. */
  readonly value: string;
}

/** What the resolver needs from the loader. */
export interface TemplateReferenceContext {
  readonly template: CfnTemplate;
  readonly scope: TemplateScope;
  /** Parameter values given by the caller; the others take their `Default`. */
  readonly parameters: Record<string, string>;
  /** ARNs of the template's Batch resources created so far, by logical id. */
  readonly createdArns: ReadonlyMap<string, string>;
  /** Types of resource the loader creates: references to them must resolve to real ARNs. */
  readonly createdTypes: ReadonlySet<string>;
  /** Receives each placeholder the first time it is used. */
  readonly placeholders: PlaceholderValue[];
  /** Records a warning about the property at `path` of the resource being loaded. */
  warn(path: string, message: string): void;
}

/** The resolver `resolveIntrinsics` uses while loading a template. */
export function templateReferenceResolver(context: TemplateReferenceContext): IntrinsicResolver {
  const { template, scope } = context;
  const resources = template.Resources ?? {};
  const resourceValue = (logicalId: string, attribute: string | undefined, path: string): unknown => {
    const target = resources[logicalId];
    if (!target) {
      context.warn(path, `${attribute ? `Fn::GetAtt ${logicalId}.${attribute}` : `Ref ${logicalId}`} names nothing in the template; the property is left out`);
      return NO_VALUE;
    }
    if (context.createdTypes.has(target.Type)) {
      const arn = context.createdArns.get(logicalId);
      if (arn !== undefined) return arn;
      context.warn(path, `${logicalId} (${target.Type}) is referenced before it exists (it failed, or comes later in creation order); a placeholder is used`);
    }
    const value = placeholderValue(target.Type, logicalId, attribute, scope);
    if (!context.placeholders.some((p) => p.logicalId === logicalId && p.attribute === attribute)) {
      context.placeholders.push({ logicalId, resourceType: target.Type, ...(attribute ? { attribute } : {}), value });
    }
    return value;
  };
  const resolver: IntrinsicResolver = {
    region: scope.region,
    report: (path, message) => context.warn(path, message),
    condition: conditionEvaluator(template, () => resolver, context.warn),
    ref: (logicalId, path) => {
      const pseudo = pseudoParameter(logicalId, scope);
      if (pseudo !== undefined) return pseudo;
      const parameter = template.Parameters?.[logicalId];
      if (parameter) return parameterValue(logicalId, parameter, context.parameters, (message) => context.warn(path, message));
      return resourceValue(logicalId, undefined, path);
    },
    getAtt: (logicalId, attribute, path) => resourceValue(logicalId, attribute, path),
  };
  return resolver;
}

function pseudoParameter(name: string, scope: TemplateScope): unknown {
  switch (name) {
    case 'AWS::Region': return scope.region;
    case 'AWS::AccountId': return scope.accountId;
    case 'AWS::Partition': return scope.partition;
    case 'AWS::URLSuffix': return 'amazonaws.com';
    case 'AWS::StackName': return scope.stackName;
    case 'AWS::StackId': return `arn:${scope.partition}:cloudformation:${scope.region}:${scope.accountId}:stack/${scope.stackName}/00000000-0000-0000-0000-000000000000`;
    case 'AWS::NotificationARNs': return [];
    default: return undefined;
  }
}

function parameterValue(name: string, parameter: { Type?: string; Default?: unknown }, given: Record<string, string>, warn: (message: string) => void): unknown {
  const value = given[name] ?? parameter.Default;
  if (value === undefined) {
    warn(`parameter ${name} has no value and no Default; the property is left out`);
    return NO_VALUE;
  }
  return parameter.Type?.startsWith('List<') || parameter.Type === 'CommaDelimitedList' ? String(value).split(',') : value;
}

/** Evaluates the template's `Conditions` (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition), once each. */
function conditionEvaluator(template: CfnTemplate, resolver: () => IntrinsicResolver, warn: (path: string, message: string) => void): (name: string, path: string) => boolean {
  const cache = new Map<string, boolean>();
  const evaluating = new Set<string>();
  const evaluate = (expression: unknown, path: string): boolean => {
    const [fn, args] = Object.entries((expression ?? {}) as Record<string, unknown>)[0] ?? [];
    const list = Array.isArray(args) ? args : [];
    switch (fn) {
      case 'Fn::Equals': {
        const [a, b] = list.map((v) => resolveIntrinsics(v, resolver(), path));
        return JSON.stringify(a) === JSON.stringify(b);
      }
      case 'Fn::Not': return !evaluate(list[0], path);
      case 'Fn::And': return list.every((c) => evaluate(c, path));
      case 'Fn::Or': return list.some((c) => evaluate(c, path));
      case 'Condition': return named(String(args), path);
      default:
        warn(path, `condition expression ${JSON.stringify(expression)} is not supported; taken as false`);
        return false;
    }
  };
  const named = (name: string, path: string): boolean => {
    const cached = cache.get(name);
    if (cached !== undefined) return cached;
    const expression = template.Conditions?.[name];
    if (expression === undefined || evaluating.has(name)) {
      warn(path, `condition ${name} is ${expression === undefined ? 'not defined in the template' : 'defined in terms of itself'}; taken as false`);
      return false;
    }
    evaluating.add(name);
    const value = evaluate(expression, path);
    evaluating.delete(name);
    cache.set(name, value);
    return value;
  };
  return named;
}
