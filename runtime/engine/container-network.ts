/**
 * The networks of multi-node jobs: one per job, created when its first node launches and removed
 * when its last node's container is gone, so the nodes reach each other by address as they do in
 * a Batch placement group. Operations on one network run in order, so a retry's create never
 * races the previous attempt's removal.
 */
import { cliFailure, ContainerCli, runContainerCli } from './container-cli';

/** Creates and removes job networks, counting the containers that use each. */
export class JobNetworks {
  private readonly users = new Map<string, number>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly created = new Map<string, Promise<string | undefined>>();

  /**
   * @param cli the container CLI
   * @param internal whether networks get no route out (`--internal`): for users who keep jobs off the network
   */
  constructor(private readonly cli: ContainerCli, private readonly internal: boolean) {}

  /** Counts a container in; the first one creates the network. Resolves to the runtime's message when it could not. */
  public acquire(name: string, labels: Readonly<Record<string, string>>): Promise<string | undefined> {
    const users = (this.users.get(name) ?? 0) + 1;
    this.users.set(name, users);
    if (users === 1) {
      const labelArgs = Object.entries(labels).flatMap(([key, value]) => ['--label', `${key}=${value}`]);
      this.created.set(name, this.inOrder(name, async () => {
        // No podman DNS server (aardvark-dns) on the job's network: nodes find each other by the
        // addresses Batch's variables give, as on AWS, and aardvark-dns writes to the attached
        // container's stderr, so into the job's log, where the host has no syslog socket.
        const noDns = this.cli.kind === 'podman' ? ['--disable-dns'] : [];
        const result = await runContainerCli(this.cli, ['network', 'create', ...noDns, ...(this.internal ? ['--internal'] : []), ...labelArgs, name]);
        return result.code === 0 ? undefined : `cannot create network ${name}: ${cliFailure(result)}`;
      }));
    }
    return this.created.get(name)!;
  }

  /** Counts a container out; the last one removes the network. */
  public release(name: string): Promise<void> {
    const users = (this.users.get(name) ?? 1) - 1;
    if (users > 0) {
      this.users.set(name, users);
      return Promise.resolve();
    }
    this.users.delete(name);
    this.created.delete(name);
    return this.inOrder(name, async () => {
      await runContainerCli(this.cli, ['network', 'rm', name]);
    });
  }

  /** Resolves once every create and remove asked for so far has run. */
  public async settled(): Promise<void> {
    await Promise.all([...this.queues.values()]);
  }

  private inOrder<T>(name: string, operation: () => Promise<T>): Promise<T> {
    const next = (this.queues.get(name) ?? Promise.resolve()).then(operation);
    const tail = next.then(() => undefined, () => undefined);
    this.queues.set(name, tail);
    void tail.then(() => {
      if (this.queues.get(name) === tail) {
        this.queues.delete(name);
      }
    });
    return next;
  }
}
