// config.xml and users.xml for one ClickHouse 18.16 server of the local 2x2 cluster.
import type { ClickHouseNode } from './paths.ts';
import { CLICKHOUSE_CLUSTER, CLICKHOUSE_NODES, HOST, ZOOKEEPER } from './paths.ts';

export interface NodeDirs {
  readonly data: string;
  readonly tmp: string;
  readonly userFiles: string;
  readonly formatSchemas: string;
  readonly logs: string;
}

function esc(value: string | number): string {
  return String(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function remoteServers(): string {
  const shards = [...new Set(CLICKHOUSE_NODES.map((n) => n.shard))].sort((a, b) => a - b);
  const shardXml = shards.map((shard) => {
    const replicas = CLICKHOUSE_NODES.filter((n) => n.shard === shard)
      .map((n) => `                <replica><host>${HOST}</host><port>${n.tcpPort}</port></replica>`)
      .join('\n');
    return [
      '            <shard>',
      '                <internal_replication>true</internal_replication>',
      replicas,
      '            </shard>',
    ].join('\n');
  });
  return [`        <${CLICKHOUSE_CLUSTER}>`, ...shardXml, `        </${CLICKHOUSE_CLUSTER}>`].join('\n');
}

export function configXml(node: ClickHouseNode, dirs: NodeDirs): string {
  // 18.16 wants the <yandex> root; directory paths must end with '/'.
  return `<?xml version="1.0"?>
<!-- Written by deploy/local/clickhouse-config.ts for replica ${esc(node.replica)}; regenerated on every start. -->
<yandex>
    <logger>
        <level>information</level>
        <log>${esc(dirs.logs)}/clickhouse-server.log</log>
        <errorlog>${esc(dirs.logs)}/clickhouse-server.err.log</errorlog>
        <size>100M</size>
        <count>3</count>
    </logger>

    <listen_host>${HOST}</listen_host>
    <http_port>${node.httpPort}</http_port>
    <tcp_port>${node.tcpPort}</tcp_port>
    <interserver_http_port>${node.interserverPort}</interserver_http_port>
    <!-- Replicas fetch parts from the host they announce in ZooKeeper; the default is the FQDN. -->
    <interserver_http_host>${HOST}</interserver_http_host>

    <max_connections>1024</max_connections>
    <keep_alive_timeout>3</keep_alive_timeout>
    <max_concurrent_queries>100</max_concurrent_queries>
    <!-- Four servers share one small machine: no uncompressed cache, a small mark cache. -->
    <uncompressed_cache_size>0</uncompressed_cache_size>
    <mark_cache_size>268435456</mark_cache_size>

    <path>${esc(dirs.data)}/</path>
    <tmp_path>${esc(dirs.tmp)}/</tmp_path>
    <user_files_path>${esc(dirs.userFiles)}/</user_files_path>
    <format_schema_path>${esc(dirs.formatSchemas)}/</format_schema_path>
    <users_config>users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <umask>022</umask>
    <mlock_executable>false</mlock_executable>

    <remote_servers>
${remoteServers()}
    </remote_servers>

    <zookeeper>
        <node><host>${HOST}</host><port>${ZOOKEEPER.port}</port></node>
        <session_timeout_ms>20000</session_timeout_ms>
    </zookeeper>

    <macros>
        <shard>${node.shard}</shard>
        <replica>${esc(node.replica)}</replica>
    </macros>

    <distributed_ddl>
        <path>/clickhouse/task_queue/ddl</path>
    </distributed_ddl>

    <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
    <max_session_timeout>3600</max_session_timeout>
    <default_session_timeout>60</default_session_timeout>

    <query_log>
        <database>system</database>
        <table>query_log</table>
        <partition_by>toYYYYMM(event_date)</partition_by>
        <flush_interval_milliseconds>7500</flush_interval_milliseconds>
    </query_log>
</yandex>
`;
}

export function usersXml(): string {
  return `<?xml version="1.0"?>
<!-- Written by deploy/local/clickhouse-config.ts; regenerated on every start. -->
<yandex>
    <profiles>
        <default>
            <max_memory_usage>2000000000</max_memory_usage>
            <use_uncompressed_cache>0</use_uncompressed_cache>
            <load_balancing>random</load_balancing>
            <!-- 18.16 accepts LowCardinality only with this in the server-side profile. -->
            <allow_experimental_low_cardinality_type>1</allow_experimental_low_cardinality_type>
        </default>
        <readonly>
            <readonly>1</readonly>
        </readonly>
    </profiles>

    <users>
        <default>
            <password></password>
            <networks>
                <ip>::1</ip>
                <ip>127.0.0.1</ip>
            </networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>

    <quotas>
        <default>
            <interval>
                <duration>3600</duration>
                <queries>0</queries>
                <errors>0</errors>
                <result_rows>0</result_rows>
                <read_rows>0</read_rows>
                <execution_time>0</execution_time>
            </interval>
        </default>
    </quotas>
</yandex>
`;
}
