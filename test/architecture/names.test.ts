/**
 * One meaning per name across the package: no two modules under lib/ and runtime/ declare the
 * same exported name, except the construct enums that mirror a value set of the model (CDK users
 * get enums; the runtime uses string unions), and those hold exactly the model's values.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CpuArchitecture } from '../../lib/compute';
import { JobStateChangeStatus, WorkflowStatus } from '../../lib/events';
import { WORKFLOW_STATUSES, type WorkflowStatus as WorkflowStatusValue } from '../../runtime/model/events';
import { CPU_ARCHITECTURES, type CpuArchitecture as CpuArchitectureValue } from '../../runtime/model/instance-catalog';
import { JOB_STATUSES } from '../../runtime/model/job-states';

const ROOT = path.join(__dirname, '..', '..');

/** Construct enums that mirror a model union of the same name, with the same meaning. */
const MIRRORS: Record<string, readonly string[]> = {
  CpuArchitecture: ['lib/compute.ts', 'runtime/model/instance-catalog.ts'],
  WorkflowStatus: ['lib/events.ts', 'runtime/model/events.ts'],
};

/** Exported declarations (not re-exports) of every .ts file under a folder, name -> files. */
function exportedDeclarations(folders: readonly string[]): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const relative = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) walk(relative);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        const source = fs.readFileSync(path.join(ROOT, relative), 'utf8');
        for (const m of source.matchAll(/^export (?:declare )?(?:abstract )?(?:enum|type|interface|class|const|let|function|async function) (\w+)/gm)) {
          byName.set(m[1], [...(byName.get(m[1]) ?? []), relative]);
        }
      }
    }
  };
  folders.forEach(walk);
  return byName;
}

/** Compiles only when A and B are the same union. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const cpuArchitecturesMatch: Same<`${CpuArchitecture}`, CpuArchitectureValue> = true;
const workflowStatusesMatch: Same<`${WorkflowStatus}`, WorkflowStatusValue> = true;

describe('names', () => {
  test('no exported name is declared in two modules, but for the listed mirrors', () => {
    const declaredTwice = [...exportedDeclarations(['lib', 'runtime'])].filter(([, files]) => files.length > 1);
    expect(Object.fromEntries(declaredTwice.map(([name, files]) => [name, files.sort()]))).toEqual(MIRRORS);
  });

  test('each mirror enum holds exactly the values of the model it mirrors', () => {
    expect([cpuArchitecturesMatch, workflowStatusesMatch]).toEqual([true, true]);
    expect(Object.values(CpuArchitecture).sort()).toEqual([...CPU_ARCHITECTURES].sort());
    expect(Object.values(WorkflowStatus).sort()).toEqual([...WORKFLOW_STATUSES].sort());
  });

  test('the statuses a job state change event can carry are the job statuses but SUBMITTED, which Batch sends no event for', () => {
    expect(Object.values(JobStateChangeStatus).sort()).toEqual(JOB_STATUSES.filter((s) => s !== 'SUBMITTED').sort());
  });
});
