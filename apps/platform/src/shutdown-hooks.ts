import { Injectable, OnApplicationShutdown } from '@nestjs/common';

/** Work to finish when the application closes, registered after it was built (e.g. stopping the consumer thread). */
@Injectable()
export class ShutdownHooks implements OnApplicationShutdown {
  private readonly hooks: (() => Promise<void>)[] = [];

  add(hook: () => Promise<void>): void {
    this.hooks.push(hook);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.hooks.map((hook) => hook()));
  }
}
