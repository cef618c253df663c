import { JetStreamNames } from '@ctp/contracts';
import { HubLoad } from './support/load';
import { TestNatsCluster } from './support/nats-cluster';
import { FaultRig, printSummary } from './support/rig';

/**
 * The clustered run: three nats-servers from deploy/nats/cluster/*.conf, the streams with three replicas, the
 * services given the three URLs. The node leading the platform's consumer (usually CTP_EVENTS's leader too) is
 * SIGKILLed in the middle of the load and stays down: the other two elect new leaders, clients on the dead node
 * reconnect to another, publishes without a PubAck are retried, the platform pulls again from the new leader within
 * seconds, and nothing acknowledged by the broker is lost.
 */
describe('fault cluster-node-kill', () => {
  let cluster: TestNatsCluster;
  let rig: FaultRig;

  beforeAll(async () => {
    cluster = await TestNatsCluster.start();
    rig = await FaultRig.create({
      name: 'cluster-node-kill',
      natsUrls: cluster.urls,
      natsIdentities: cluster,
      hubEnv: { NATS_STREAM_REPLICAS: '3' },
      platformEnv: { NATS_STREAM_REPLICAS: '3' },
    });
    await rig.startAll();
  }, 90_000);

  afterAll(async () => {
    await rig?.teardown();
    await cluster?.stop();
  }, 60_000);

  it('survives the loss of the leading node with nothing lost or doubled', async () => {
    const stream = await rig.jsm.streams.info(JetStreamNames.eventsStream);
    expect(stream.config.num_replicas).toBe(3);
    const load = new HubLoad(
      rig.hubs.map((h) => ({ region: h.region, baseUrl: h.proc.baseUrl })),
      { prefix: 'cn', initiatives: 120, updates: 2, withdrawEvery: 10, concurrency: 6, deadlineMs: 90_000 },
    );
    await rig.poison();
    const running = load.run();
    await load.reachedFraction(0.4);
    // The node leading the platform's consumer of hub events (usually the stream's leader as well): the platform's
    // pull requests die with it, whether or not its own connection was to that node.
    const leader = (await rig.jsm.consumers.info(JetStreamNames.eventsStream, 'platform-hubs')).cluster!.leader!;
    await cluster.kill(cluster.nodeOf(leader), 'SIGKILL');
    await running;

    const caughtUp = await rig.waitCaughtUp(90_000);
    const counts = await rig.verify(load, caughtUp);
    printSummary('cluster-node-kill', counts);
    // A new leader took over.
    const after = await rig.jsm.consumers.info(JetStreamNames.eventsStream, 'platform-hubs');
    expect(after.cluster?.leader).toBeDefined();
    expect(after.cluster?.leader).not.toBe(leader);
  }, 240_000);
});
