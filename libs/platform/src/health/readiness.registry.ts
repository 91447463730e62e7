import { Injectable } from '@nestjs/common';

/** What one part of a service says about whether it can do its work now. */
export interface ReadinessReport {
  ready: boolean;
  /** Shown as is under the part's name in /health: state, blocked partitions and their reasons, … */
  details: Record<string, unknown>;
}

export interface ReadinessSource {
  readonly name: string;
  readiness(): ReadinessReport;
}

/**
 * The parts of a service that readiness waits for besides its database:
 * each consumer group (joined, no partition blocked) and anything else that
 * can be blocked by an outage (the email sender). Registered at start by the
 * providers that create them.
 */
@Injectable()
export class ReadinessRegistry {
  private readonly sources: ReadinessSource[] = [];

  register(source: ReadinessSource): void {
    this.sources.push(source);
  }

  reports(): { name: string; report: ReadinessReport }[] {
    return this.sources.map((source) => ({ name: source.name, report: source.readiness() }));
  }
}
