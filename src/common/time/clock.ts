import { Global, Injectable, Module } from '@nestjs/common';

/**
 * The time as scheduled work sees it (retention cut-offs, when a username is freed). Injected rather
 * than read from `Date` so that tests can move it ("a week later") without waiting.
 */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}

/** One `Clock` for the whole application, so moving it moves it everywhere. */
@Global()
@Module({ providers: [Clock], exports: [Clock] })
export class ClockModule {}
