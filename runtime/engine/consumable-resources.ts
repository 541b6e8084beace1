/**
 * Consumable resources (resource-aware scheduling): CreateConsumableResource and its siblings,
 * and the gate the scheduler asks before it starts a job that needs units of them. A
 * REPLENISHABLE resource (a licence seat) gets its units back when the job's attempt ends; a
 * NON_REPLENISHABLE one (a quota of API calls) loses them for good.
 *
 * Quantities are stored with the resource, in the same write as the job states that moved them,
 * so a restart loses nothing. Nothing runs when the engine opens: units an interrupted attempt
 * held are then given back, or, for NON_REPLENISHABLE resources, counted as consumed.
 */
import type * as batch from '@aws-sdk/client-batch';
import { ArnScope, consumableResourceArn, nameFromReference } from '../model/arns';
import { checkInteger, checkName, checkOneOf, checkTags, invalid, requireString, shown } from './errors';
import { paginate } from './request-checks';

/** Whether a resource's units come back when a job ends. */
export const CONSUMABLE_RESOURCE_TYPES = ['REPLENISHABLE', 'NON_REPLENISHABLE'] as const;
/** How UpdateConsumableResource changes the total. */
export const QUANTITY_OPERATIONS = ['SET', 'ADD', 'REMOVE'] as const;
/** Largest quantity accepted: the model's Long, as far as a JavaScript number counts exactly. */
export const MAX_QUANTITY = Number.MAX_SAFE_INTEGER;
/** How long UpdateConsumableResource remembers a clientToken (AWS: 8 hours). */
export const CLIENT_TOKEN_TTL_MS = 8 * 3600 * 1000;

/** A consumable resource as the engine keeps and stores it. */
export interface ConsumableResourceDetail {
  readonly consumableResourceName: string;
  readonly consumableResourceArn: string;
  totalQuantity: number;
  inUseQuantity: number;
  readonly resourceType: (typeof CONSUMABLE_RESOURCE_TYPES)[number];
  readonly createdAt: number;
  tags: Record<string, string>;
}

/** Units of resources a job needs, by resource name. */
export type ConsumableNeeds = ReadonlyMap<string, number>;

/** Called after every change so the store can persist it (`detail` undefined = deleted). */
export type ConsumableChangeListener = (key: string, detail: ConsumableResourceDetail | undefined) => void;

interface RememberedUpdate {
  readonly request: string;
  readonly response: batch.UpdateConsumableResourceResponse;
  readonly at: number;
}

/** Holds the engine's consumable resources, by name. */
export class ConsumableResourceRegistry {
  /** Consumable resources by name. */
  public readonly resources = new Map<string, ConsumableResourceDetail>();
  private readonly updatesByToken = new Map<string, RememberedUpdate>();

  /**
   * @param scope region and account of the ARNs
   * @param onChange persists a change
   * @param now epoch ms, for `createdAt` and client tokens
   * @param usedBy the id of an unfinished job that needs the resource, if any
   */
  constructor(
    private readonly scope: ArnScope,
    private readonly onChange: ConsumableChangeListener,
    private readonly now: () => number,
    private readonly usedBy: (name: string) => string | undefined,
  ) {}

  /** Puts back a resource read from the store: what was in use when the engine stopped is no longer (see the module comment). */
  public restore(stored: ConsumableResourceDetail): void {
    const detail = { ...stored };
    if (detail.inUseQuantity > 0) {
      if (detail.resourceType === 'NON_REPLENISHABLE') {
        detail.totalQuantity = Math.max(0, detail.totalQuantity - detail.inUseQuantity);
      }
      detail.inUseQuantity = 0;
      this.onChange(detail.consumableResourceName, detail);
    }
    this.resources.set(detail.consumableResourceName, detail);
  }

  /** Puts a resource back as stored after a request whose write was refused changed it (`undefined`: none is stored). */
  public putBack(name: string, stored: ConsumableResourceDetail | undefined): void {
    if (stored) {
      this.resources.set(name, stored);
    } else {
      this.resources.delete(name);
    }
  }

  /** CreateConsumableResource. */
  public create(input: batch.CreateConsumableResourceRequest): batch.CreateConsumableResourceResponse {
    const name = checkName(input.consumableResourceName, 'consumableResourceName');
    if (this.resources.has(name)) {
      invalid(`consumable resource ${shown(name)} already exists`);
    }
    const detail: ConsumableResourceDetail = {
      consumableResourceName: name,
      consumableResourceArn: consumableResourceArn(this.scope, name),
      totalQuantity: checkInteger(input.totalQuantity, 'totalQuantity', 0, MAX_QUANTITY) ?? 0,
      inUseQuantity: 0,
      resourceType: checkOneOf(input.resourceType, 'resourceType', CONSUMABLE_RESOURCE_TYPES) ?? 'REPLENISHABLE',
      createdAt: this.now(),
      tags: checkTags(input.tags, 'tags') ?? {},
    };
    this.resources.set(name, detail);
    this.onChange(name, detail);
    return { consumableResourceName: name, consumableResourceArn: detail.consumableResourceArn };
  }

  /** DescribeConsumableResource. */
  public describe(input: batch.DescribeConsumableResourceRequest): batch.DescribeConsumableResourceResponse {
    const detail = this.require(requireString(input.consumableResource, 'consumableResource'), 'consumableResource');
    return { ...detail, tags: { ...detail.tags }, availableQuantity: availableOf(detail) };
  }

  /** ListConsumableResources: filter CONSUMABLE_RESOURCE_NAME (case-insensitive, `prefix*`), with AWS's pagination. */
  public list(input: batch.ListConsumableResourcesRequest): batch.ListConsumableResourcesResponse {
    const names = filterValues(input.filters, ['CONSUMABLE_RESOURCE_NAME']).get('CONSUMABLE_RESOURCE_NAME');
    const selected = [...this.resources.values()].filter((detail) => names === undefined || names.some((value) => matchesName(detail.consumableResourceName, value)));
    const page = paginate(selected, input.maxResults, input.nextToken);
    return {
      consumableResources: page.items.map((detail) => ({
        consumableResourceArn: detail.consumableResourceArn, consumableResourceName: detail.consumableResourceName,
        totalQuantity: detail.totalQuantity, inUseQuantity: detail.inUseQuantity, resourceType: detail.resourceType,
      })),
      nextToken: page.nextToken,
    };
  }

  /** UpdateConsumableResource: SET (the default), ADD or REMOVE `quantity`; a repeated clientToken with the same payload is applied once. */
  public update(input: batch.UpdateConsumableResourceRequest): batch.UpdateConsumableResourceResponse {
    const detail = this.require(requireString(input.consumableResource, 'consumableResource'), 'consumableResource');
    const operation = checkOneOf(input.operation, 'operation', QUANTITY_OPERATIONS) ?? 'SET';
    const quantity = checkInteger(input.quantity, 'quantity', 0, MAX_QUANTITY)
      ?? invalid(`quantity is required: given nothing, expected an integer from 0 to ${MAX_QUANTITY}`);
    const token = input.clientToken === undefined ? undefined : requireString(input.clientToken, 'clientToken');
    const request = JSON.stringify([detail.consumableResourceName, operation, quantity]);
    const remembered = token === undefined ? undefined : this.rememberedUpdate(token);
    if (remembered) {
      if (remembered.request !== request) {
        invalid(`clientToken ${shown(token)} was already used by an update with another payload: expected a new token for a new update`);
      }
      return remembered.response;
    }
    const total = operation === 'SET' ? quantity : operation === 'ADD' ? detail.totalQuantity + quantity : detail.totalQuantity - quantity;
    if (total < 0 || total > MAX_QUANTITY) {
      invalid(`${operation} ${quantity} would leave consumable resource ${shown(detail.consumableResourceName)} with a total of ${total}: expected a total from 0 to ${MAX_QUANTITY}`);
    }
    detail.totalQuantity = total;
    this.onChange(detail.consumableResourceName, detail);
    const response = { consumableResourceName: detail.consumableResourceName, consumableResourceArn: detail.consumableResourceArn, totalQuantity: total };
    if (token !== undefined) {
      this.updatesByToken.set(token, { request, response, at: this.now() });
    }
    return response;
  }

  /** DeleteConsumableResource: refused while a job that has not finished needs it. */
  public delete(input: batch.DeleteConsumableResourceRequest): batch.DeleteConsumableResourceResponse {
    const detail = this.require(requireString(input.consumableResource, 'consumableResource'), 'consumableResource');
    const jobId = this.usedBy(detail.consumableResourceName);
    if (jobId !== undefined) {
      invalid(`consumable resource ${shown(detail.consumableResourceName)} is needed by job ${shown(jobId)}, which has not finished: wait for it or cancel it first`);
    }
    this.resources.delete(detail.consumableResourceName);
    this.onChange(detail.consumableResourceName, undefined);
    return {};
  }

  /** A resource by name or ARN (of this engine's region and account). */
  public find(reference: string): ConsumableResourceDetail | undefined {
    const name = nameFromReference(reference, 'consumable-resource', this.scope);
    return name === undefined ? undefined : this.resources.get(name);
  }

  /** A resource by name or ARN, or a ClientException naming the field and the reference. */
  public require(reference: string, field: string): ConsumableResourceDetail {
    return this.find(reference)
      ?? invalid(`${field} ${shown(reference)} names no consumable resource: expected the name or ARN of an existing one, like ${consumableResourceArn(this.scope, 'name')}`);
  }

  /** Checks a `consumableResourceProperties` value: every entry names an existing resource and a quantity of at least 1. */
  public checkProperties(properties: batch.ConsumableResourceProperties | undefined, field: string): void {
    if (properties === undefined) {
      return;
    }
    const list = properties.consumableResourceList ?? [];
    if (!Array.isArray(list)) {
      invalid(`${field}.consumableResourceList must be a list of {consumableResource, quantity}: given ${shown(list)}`);
    }
    const seen = new Set<string>();
    list.forEach((entry, index) => {
      const entryField = `${field}.consumableResourceList[${index}]`;
      const resource = this.require(requireString(entry?.consumableResource, `${entryField}.consumableResource`), `${entryField}.consumableResource`);
      if (entry.quantity === undefined) {
        invalid(`${entryField}.quantity is required: given nothing, expected an integer from 1 to ${MAX_QUANTITY}`);
      }
      checkInteger(entry.quantity, `${entryField}.quantity`, 1, MAX_QUANTITY);
      if (seen.has(resource.consumableResourceName)) {
        invalid(`${entryField}.consumableResource ${shown(entry.consumableResource)} is listed twice: expected each resource once`);
      }
      seen.add(resource.consumableResourceName);
    });
  }

  /** Why a job needing these units cannot start now (the first resource that lacks them), or `undefined` when all are there. */
  public shortage(needs: ConsumableNeeds): string | undefined {
    for (const [name, quantity] of needs) {
      const detail = this.resources.get(name);
      const available = detail ? availableOf(detail) : 0;
      if (available < quantity) {
        return `Waiting for consumable resource ${name}: the job needs ${quantity}, ${available} of ${detail?.totalQuantity ?? 0} available`;
      }
    }
    return undefined;
  }

  /** Takes the units of a job that starts (the caller checked `shortage`). */
  public take(needs: ConsumableNeeds): void {
    for (const [name, quantity] of needs) {
      const detail = this.resources.get(name);
      if (detail) {
        detail.inUseQuantity += quantity;
        this.onChange(name, detail);
      }
    }
  }

  /** A job's attempt ended: its units come back, or are consumed for good for NON_REPLENISHABLE resources. */
  public release(needs: ConsumableNeeds): void {
    for (const [name, quantity] of needs) {
      const detail = this.resources.get(name);
      if (detail) {
        detail.inUseQuantity = Math.max(0, detail.inUseQuantity - quantity);
        if (detail.resourceType === 'NON_REPLENISHABLE') {
          detail.totalQuantity = Math.max(0, detail.totalQuantity - quantity);
        }
        this.onChange(name, detail);
      }
    }
  }

  /** Persists a resource changed in place (tags). */
  public touch(detail: ConsumableResourceDetail): void {
    this.onChange(detail.consumableResourceName, detail);
  }

  /** The name a reference resolves to (the scheduler keys units by name). */
  public nameOf(reference: string): string {
    return this.find(reference)?.consumableResourceName ?? reference;
  }

  private rememberedUpdate(token: string): RememberedUpdate | undefined {
    const now = this.now();
    for (const [key, update] of this.updatesByToken) {
      if (now - update.at > CLIENT_TOKEN_TTL_MS) {
        this.updatesByToken.delete(key);
      }
    }
    return this.updatesByToken.get(token);
  }
}

/** The units of a resource no job holds now. */
export function availableOf(detail: ConsumableResourceDetail): number {
  return Math.max(0, detail.totalQuantity - detail.inUseQuantity);
}

/** The values of each filter a request gives, by filter name; a name not in `allowed` is refused. */
export function filterValues(filters: batch.KeyValuesPair[] | undefined, allowed: readonly string[]): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (const [index, filter] of (filters ?? []).entries()) {
    const name = filter?.name as string;
    if (!allowed.includes(name)) {
      invalid(`filters[${index}].name ${shown(filter?.name)} is not a filter of this operation: expected ${allowed.join(' or ')}`);
    }
    values.set(name, [...(values.get(name) ?? []), ...(filter.values ?? [])]);
  }
  return values;
}

/** A case-insensitive name match; a value ending in `*` matches names that begin with what comes before it. */
export function matchesName(name: string, value: string): boolean {
  const lowerName = name.toLowerCase();
  const lowerValue = value.toLowerCase();
  return lowerValue.endsWith('*') ? lowerName.startsWith(lowerValue.slice(0, -1)) : lowerName === lowerValue;
}
