import { Logger } from '@nestjs/common';

/**
 * Code under test that logs through Nest's static Logger outside an app (an
 * EmailSender built by a test) would print its debug lines (one per email,
 * one per handled event) into the test output: tests keep Nest's default
 * levels without debug and verbose.
 */
Logger.overrideLogger(['log', 'warn', 'error', 'fatal']);
