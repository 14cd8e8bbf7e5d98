import { z } from 'zod';
import { boundedInt, boundedNumber, Duration, EnvVarName } from './common.js';

// release: progressive delivery on Kubernetes. Apps name a strategy (canary, blue-green,
// gray), a traffic router (istio, gateway-api, plain Service) and analysis templates.

const Name = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: 'use a DNS-1123 name: lowercase letters, digits and "-"' });

const Irreversible = z
  .boolean()
  .optional()
  .describe('After this step has run, a failure freezes the release and reports instead of reverting (e.g. after a schema contract step).');

export const AnalysisRef = z
  .strictObject({
    templates: z.array(z.string()).min(1).describe('Names of analysis templates (release.analysis.<name>) that must all succeed.'),
  })
  .describe('Run analysis templates; a failure aborts the release.');
export type AnalysisRef = z.infer<typeof AnalysisRef>;

export const CanaryStepConfig = z.union([
  z.strictObject({ setWeight: boundedInt(0, 100).describe('Percent of traffic to the canary.'), irreversible: Irreversible }),
  z.strictObject({
    pause: z
      .strictObject({ duration: Duration.optional().describe('Wait this long; without it the release waits for `release promote`.') })
      .default({}),
    irreversible: Irreversible,
  }),
  z.strictObject({ analysis: AnalysisRef, irreversible: Irreversible }),
  z.strictObject({
    setCanaryScale: z
      .strictObject({
        replicas: boundedInt(0, 1000).optional(),
        weight: boundedInt(0, 100).optional(),
        matchTrafficWeight: z.boolean().optional(),
      })
      .refine((s) => [s.replicas, s.weight, s.matchTrafficWeight].filter((v) => v !== undefined).length === 1, {
        message: 'give exactly one of replicas, weight, matchTrafficWeight',
      }),
    irreversible: Irreversible,
  }),
]);
export type CanaryStepConfig = z.infer<typeof CanaryStepConfig>;

export const CanaryStrategyConfig = z
  .strictObject({
    steps: z
      .array(CanaryStepConfig)
      .default([{ setWeight: 20 }, { pause: {} }, { setWeight: 50 }, { pause: {} }])
      .describe('Steps run in order; the release ends by promoting the canary to stable.'),
  })
  .describe('Canary: shift traffic to the new version step by step.');

export const BlueGreenStrategyConfig = z
  .strictObject({
    autoPromote: z.boolean().default(false).describe('Switch to the new slot without waiting for `release promote`.'),
    prePromotionAnalysis: AnalysisRef.optional().describe('Run against the preview Service before the switch.'),
    postPromotionAnalysis: AnalysisRef.optional().describe('Run after the switch; a failure switches back.'),
    scaleDownDelay: Duration.default('30s').describe('How long the old slot keeps running after the switch.'),
  })
  .describe('Blue-green: a full new slot behind a preview Service, then one switch.');

export const Cohort = z.union([
  z.strictObject({ header: z.strictObject({ name: z.string(), value: z.string() }) }),
  z.strictObject({ cookie: z.strictObject({ name: z.string(), value: z.string() }) }),
  z.strictObject({ userIds: z.strictObject({ header: z.string(), ids: z.array(z.string().regex(/^[A-Za-z0-9_.@-]+$/)).min(1) }) }),
  z.strictObject({
    hashPercent: z.strictObject({
      header: z.string(),
      percent: boundedNumber(0, 100),
      idFormat: z.enum(['hex', 'decimal']).default('hex').describe('Ids end in hex digits (UUIDs, hashes) or decimal digits.'),
    }),
  }),
]);
export type Cohort = z.infer<typeof Cohort>;

export const GrayStrategyConfig = z
  .strictObject({
    cohorts: z.array(Cohort).min(1).describe('Requests matching any cohort go to the new version.'),
    cohortPause: z
      .strictObject({ duration: Duration.optional() })
      .optional()
      .describe('Pause after routing the cohorts (no duration: wait for `release promote`).'),
    analysis: AnalysisRef.optional().describe('Analysis run while only the cohorts see the new version.'),
    ramp: z.array(CanaryStepConfig).default([]).describe('Optional weighted ramp after the cohorts; cohorts keep routing to the new version.'),
  })
  .describe('Gray: cohorts first, then an optional weighted ramp.');

export const StrategyConfig = z
  .strictObject({
    default: z.enum(['canary', 'blueGreen', 'gray']).optional().describe('Strategy used when `--strategy` is not given.'),
    canary: CanaryStrategyConfig.optional(),
    blueGreen: BlueGreenStrategyConfig.optional(),
    gray: GrayStrategyConfig.optional(),
  })
  .default({ canary: { steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 50 }, { pause: {} }] } });
export type StrategyConfig = z.infer<typeof StrategyConfig>;

export const RouterConfig = z
  .union([
    z.strictObject({
      istio: z.strictObject({
        virtualService: Name.optional().describe('VirtualService name (default: the app name).'),
        route: z.string().default('primary').describe('Name of the http route shardship controls.'),
        mode: z.enum(['owned', 'patch']).default('owned').describe('owned: shardship writes the whole VirtualService; patch: only the named route of a user-owned one.'),
        hosts: z.array(z.string()).optional(),
        gateways: z.array(z.string()).optional(),
      }),
    }),
    z.strictObject({
      gatewayApi: z.strictObject({
        httpRoute: Name.optional().describe('HTTPRoute name (default: the app name).'),
        parentRefs: z.array(z.strictObject({ name: z.string(), namespace: z.string().optional(), sectionName: z.string().optional() })).default([]),
        hostnames: z.array(z.string()).optional(),
      }),
    }),
    z.strictObject({
      service: z
        .strictObject({
          scaleUp: z
            .boolean()
            .default(false)
            .describe('When the replica count cannot express a step weight, raise it to the smallest count that can, instead of refusing.'),
        })
        .default({ scaleUp: false }),
    }),
  ])
  .default({ service: { scaleUp: false } });
export type RouterConfig = z.infer<typeof RouterConfig>;

export const PrometheusAnalysis = z.strictObject({
  address: z.url().optional().describe('Prometheus base URL.'),
  addressEnv: EnvVarName.optional().describe('Env var holding the Prometheus base URL.'),
  query: z.string().describe('PromQL; ${app}, ${namespace}, ${canary}, ${stable} are substituted.'),
  successCondition: z.string().default('result < 0.05').describe('e.g. "result < 0.05", "result >= 0.99 && result <= 1".'),
  sampleQuery: z.string().optional().describe('PromQL counting samples (e.g. requests); below minSamples the measurement is inconclusive.'),
  minSamples: boundedNumber(0, Number.MAX_SAFE_INTEGER).default(0),
});

export const AnalysisTemplate = z
  .strictObject({
    interval: Duration.default('30s').describe('Time between measurements.'),
    count: boundedInt(1, 10_000).default(3).describe('Number of measurements.'),
    failureLimit: boundedInt(0, 10_000).default(0).describe('Failed measurements tolerated.'),
    inconclusiveLimit: boundedInt(0, 10_000).default(0).describe('Inconclusive measurements tolerated before the release pauses for a human.'),
    prometheus: PrometheusAnalysis.optional(),
    http: z
      .strictObject({
        url: z.string().describe('URL to GET; ${app}, ${namespace}, ${canary} are substituted.'),
        status: boundedInt(100, 599).default(200),
        jsonPath: z.string().optional().describe('Dotted path into the JSON body, e.g. "status" or "checks.db".'),
        expected: z.union([z.string(), z.number(), z.boolean()]).optional(),
      })
      .optional(),
    kubernetes: z
      .strictObject({
        maxRestarts: boundedInt(0, 10_000).default(0).describe('Container restarts tolerated on the new version.'),
      })
      .optional(),
  })
  .refine((t) => [t.prometheus, t.http, t.kubernetes].filter(Boolean).length === 1, { message: 'give exactly one provider: prometheus, http or kubernetes' });
export type AnalysisTemplate = z.infer<typeof AnalysisTemplate>;

export const AppReleaseConfig = z
  .strictObject({
    namespace: z.string().optional().describe('Overrides release.namespace for this app.'),
    replicas: boundedInt(1, 1000).default(2),
    port: boundedInt(1, 65535).default(8080),
    strategy: StrategyConfig,
    router: RouterConfig,
    podAnnotations: z.record(z.string(), z.string()).default({}).describe('Annotations on the pods of every version.'),
    progressDeadline: Duration.default('10m').describe('A new version not ready within this time aborts the release.'),
  })
  .describe('One application released by shardship.');
export type AppReleaseConfig = z.infer<typeof AppReleaseConfig>;

export const ReleaseConfig = z
  .strictObject({
    namespace: z.string().default('default'),
    templates: z.string().optional().describe('Folder of templates overriding deploy-templates/app (same file names).'),
    analysis: z.record(z.string(), AnalysisTemplate).default({}).describe('Analysis templates by name.'),
    apps: z.record(Name, AppReleaseConfig).default({}),
  })
  .describe('Progressive delivery on Kubernetes.');
export type ReleaseConfig = z.infer<typeof ReleaseConfig>;
