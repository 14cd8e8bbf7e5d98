// The metrics port the release stage's analysis reads. pipeline/prometheus/client.ts implements
// it over the Prometheus HTTP API; the stage never sees HTTP.

/** One instant-query answer reduced to what analysis needs. */
export interface MetricsSample {
  /** The value of a scalar, or of the first series of a vector; undefined when the vector is empty. */
  value: number | undefined;
  /** Number of series returned (0 = no data). */
  series: number;
}

export interface MetricsSource {
  query(promql: string): Promise<MetricsSample>;
}
