/*
 * ARN syntax per service, for checking the ARNs a template spells out. A template ARN is a
 * string or the pieces of an `Fn::Join`; pseudo parameters and resource attributes in it are
 * rendered as `<AWS::Region>`, `<Logical.Attribute>` and so on. Rules follow each service's
 * "resource types" table in the IAM Service Authorization Reference; a service without a rule
 * is reported, never passed.
 */

/** How one service's ARNs look. */
interface ServiceArnRule {
  /** Whether the region field is empty (global service) or a region. */
  readonly region: 'empty' | 'required';
  /** Whether the account field is empty, an account id, or also `aws` (AWS-managed resources). */
  readonly account: 'empty' | 'required' | 'required-or-aws';
  /** The resource part, after the account field. */
  readonly resource: RegExp;
}

const NAME = '[A-Za-z0-9_.+=,@*-]+';

const RULES: Record<string, ServiceArnRule> = {
  batch: { region: 'required', account: 'required', resource: new RegExp(`^(job|job-queue|compute-environment|job-definition|scheduling-policy)/${NAME}(:[0-9*]+)?$`) },
  // A log group is `log-group:<name>`, its streams `log-group:<name>:*` or `:log-stream:<stream>`.
  logs: { region: 'required', account: 'required', resource: /^log-group:[A-Za-z0-9_.\-/#*]+(:\*|:log-stream:[^:]*)?$/ },
  iam: { region: 'empty', account: 'required-or-aws', resource: new RegExp(`^(root|(role|policy|instance-profile|user|group)(/[A-Za-z0-9_+=,.@-]+)*/${NAME})$`) },
  sns: { region: 'required', account: 'required', resource: /^[A-Za-z0-9_*-]{1,256}(\.fifo)?$/ },
  sqs: { region: 'required', account: 'required', resource: /^[A-Za-z0-9_*-]{1,80}(\.fifo)?$/ },
  kms: { region: 'required', account: 'required', resource: new RegExp(`^(key|alias)/${NAME}$`) },
  events: { region: 'required', account: 'required', resource: new RegExp(`^(rule|event-bus|archive|connection|api-destination)/[A-Za-z0-9_.\\-/*]+$`) },
  cloudwatch: { region: 'required', account: 'required', resource: new RegExp(`^(alarm:${NAME}|dashboard/${NAME})$`) },
  lambda: { region: 'required', account: 'required', resource: new RegExp(`^function:${NAME}(:[A-Za-z0-9_$-]+)?$`) },
  ecr: { region: 'required', account: 'required', resource: /^repository\/[A-Za-z0-9._\/*-]+$/ },
  ecs: { region: 'required', account: 'required', resource: new RegExp(`^(cluster|task-definition|container-instance|task)/${NAME}(/${NAME})?(:[0-9]+)?$`) },
  ec2: { region: 'required', account: 'required', resource: new RegExp(`^(instance|security-group|subnet|vpc|launch-template|network-interface|image)/${NAME}$`) },
  s3: { region: 'empty', account: 'empty', resource: /^[a-z0-9.*-]{3,63}(\/.*)?$/ },
};

// Pseudo parameters stand for a valid value of their own kind, anything else for a name; so a
// region in the account field is still caught.
const PSEUDO_PARAMETER_SAMPLES: Record<string, string> = {
  '<AWS::Partition>': 'aws', '<AWS::Region>': 'us-east-1', '<AWS::AccountId>': '123456789012', '<AWS::URLSuffix>': 'amazonaws.com',
};

function fillPlaceholders(arn: string): string {
  return arn.replace(/<[^>]+>/g, (placeholder) => PSEUDO_PARAMETER_SAMPLES[placeholder] ?? 'Token');
}

/** What is wrong with a template ARN, or `undefined` when it is a valid ARN of its service. */
export function arnProblem(arn: string): string | undefined {
  const parts = fillPlaceholders(arn).split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return `'${arn}' has ${parts.length} colon-separated fields but an ARN has at least 6`;
  const [, partition, service, region, account] = parts;
  const resource = parts.slice(5).join(':');
  if (!/^aws(-cn|-us-gov|-iso(-[a-z])?)?$/.test(partition)) return `'${arn}' has partition '${partition}'`;
  const rule = RULES[service];
  if (!rule) return `'${arn}' is of service '${service}', which has no ARN rule here: add one`;
  if (rule.region === 'empty' ? region !== '' : !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
    return `'${arn}' has region '${region}' but ${service} ARNs have ${rule.region === 'empty' ? 'none' : 'one'}`;
  }
  const accountOk = rule.account === 'empty' ? account === ''
    : /^\d{12}$/.test(account) || (rule.account === 'required-or-aws' && account === 'aws');
  if (!accountOk) return `'${arn}' has account '${account}' but ${service} ARNs expect ${rule.account === 'empty' ? 'none' : 'a 12-digit account id'}`;
  if (!rule.resource.test(resource)) return `'${arn}' has resource '${resource}' but ${service} resources look like ${rule.resource.source}`;
  return undefined;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

// A Join's pieces as one string, with every intrinsic in it as a `<...>` placeholder.
function renderJoin(join: [string, Json[]]): string {
  const [separator, pieces] = join;
  return pieces.map((piece) => {
    if (typeof piece === 'string') return piece;
    if (piece && typeof piece === 'object' && !Array.isArray(piece)) {
      if (typeof piece.Ref === 'string') return `<${piece.Ref}>`;
      if (Array.isArray(piece['Fn::GetAtt'])) return `<${piece['Fn::GetAtt'].join('.')}>`;
      if (Array.isArray(piece['Fn::Join'])) return renderJoin(piece['Fn::Join'] as [string, Json[]]);
    }
    return '<intrinsic>';
  }).join(separator);
}

/**
 * Every ARN a template's resources and outputs spell out: strings that start with `arn:`, and
 * `Fn::Join`s whose rendering does, with the path where each was found.
 */
export function templateArns(template: { Resources?: Json; Outputs?: Json }): Array<{ path: string; arn: string }> {
  const found: Array<{ path: string; arn: string }> = [];
  const walk = (value: Json, path: string): void => {
    if (typeof value === 'string') {
      if (value.startsWith('arn:')) found.push({ path, arn: value });
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, `${path}[${i}]`));
    } else if (value && typeof value === 'object') {
      const join = value['Fn::Join'];
      if (Array.isArray(join)) {
        const rendered = renderJoin(join as [string, Json[]]);
        if (rendered.startsWith('arn:')) {
          found.push({ path, arn: rendered });
          return;
        }
      }
      for (const [key, item] of Object.entries(value)) walk(item, `${path}.${key}`);
    }
  };
  walk(template.Resources ?? {}, 'Resources');
  walk(template.Outputs ?? {}, 'Outputs');
  return found;
}
