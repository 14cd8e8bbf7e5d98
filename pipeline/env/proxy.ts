// The Kubernetes objects of an environment's ShardingSphere-Proxy (its DB Mesh entry point):
// a ConfigMap with the exported configuration, a Deployment and a Service, from
// deploy-templates/shardingsphere-proxy with ${var} substitution as the release stage renders
// deploy-templates/app. Pure given the template texts (the shipped ones are read once).
import { createHash } from 'node:crypto';
import type { KubeObject } from '../core/cluster.js';
import type { ShardingSphereConfig } from '../migrate/shardingsphere-export.js';
import { renderObject } from '../release/render.js';
import { readTemplates, type TemplateTexts } from './templates.js';

/** Pinned: a 5.x release whose YAML has the !BROADCAST and !SINGLE table rules (5.4.0 on) the exporter writes. */
export const DEFAULT_PROXY_IMAGE = 'apache/shardingsphere-proxy:5.5.2';
export const PROXY_NAME = 'shardingsphere-proxy';
export const PROXY_PORT = 3307;
/** Pod template annotation: the hash of the configuration, so a new configuration rolls the proxy. */
export const CONFIG_HASH_ANNOTATION = 'shardship.dev/config-hash';

const FILES = ['deployment.yaml', 'service.yaml', 'configmap.yaml', 'resolve-placeholders.sh'] as const;
export type ProxyTemplates = TemplateTexts<(typeof FILES)[number]>;

/** deploy-templates/shardingsphere-proxy, or a folder of the user's own with the same file names. */
export function proxyTemplates(dir?: string): ProxyTemplates {
  return readTemplates('shardingsphere-proxy', FILES, dir);
}

export interface ProxyObjectsInput {
  namespace: string;
  /** Added to every object and the pod template (e.g. the environment's labels). */
  labels: Record<string, string>;
  config: ShardingSphereConfig;
  /**
   * Secret whose keys become the proxy pods' env: the data sources' usernameEnv/passwordEnv and
   * SHARDSHIP_PROXY_USER / SHARDSHIP_PROXY_PASSWORD (the proxy's own login).
   */
  credentialsSecret: string;
  image?: string;
  templates?: ProxyTemplates;
}

function render(t: ProxyTemplates, f: Exclude<(typeof FILES)[number], 'resolve-placeholders.sh'>, vars: Record<string, string>): KubeObject {
  return renderObject(t[f].file, t[f].text, vars);
}

type PodSpec = { initContainers?: { image: string }[]; containers: { image: string }[] };
type Workload = KubeObject & { spec: { selector: { matchLabels: Record<string, string> }; template: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec } } };

/** ConfigMap, Deployment and Service of the environment's proxy, in apply order. */
export function renderProxyObjects(input: ProxyObjectsInput): KubeObject[] {
  const t = input.templates ?? proxyTemplates();
  const image = input.image ?? DEFAULT_PROXY_IMAGE;
  const configMap = `${PROXY_NAME}-config`;
  const vars = { name: PROXY_NAME, namespace: input.namespace, image, configMap, secret: input.credentialsSecret };
  const selector = { 'app.kubernetes.io/name': PROXY_NAME };
  const own = (o: KubeObject, name: string): KubeObject => {
    o.metadata = { ...o.metadata, name, namespace: input.namespace, labels: { ...o.metadata.labels, ...input.labels } };
    return o;
  };

  const cm = own(render(t, 'configmap.yaml', vars), configMap);
  cm.data = {
    'global.yaml': input.config.globalYaml,
    'database-sharding.yaml': input.config.databaseShardingYaml,
    'resolve-placeholders.sh': t['resolve-placeholders.sh'].text,
  };

  const deployment = own(render(t, 'deployment.yaml', vars), PROXY_NAME) as Workload;
  deployment.spec.selector = { matchLabels: selector };
  const tm = (deployment.spec.template.metadata ??= {});
  tm.labels = { ...tm.labels, ...input.labels, ...selector };
  const hash = createHash('sha256').update(input.config.globalYaml).update('\0').update(input.config.databaseShardingYaml).digest('hex').slice(0, 16);
  tm.annotations = { ...tm.annotations, [CONFIG_HASH_ANNOTATION]: hash };
  for (const c of [...(deployment.spec.template.spec.initContainers ?? []), ...deployment.spec.template.spec.containers]) c.image = image;

  const service = own(render(t, 'service.yaml', vars), PROXY_NAME) as KubeObject & { spec: { selector: Record<string, string> } };
  service.spec.selector = selector;
  return [cm, deployment, service];
}

/** The host apps of the environment connect to (port PROXY_PORT). */
export function proxyHost(namespace: string): string {
  return `${PROXY_NAME}.${namespace}.svc`;
}
