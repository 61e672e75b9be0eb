#!/usr/bin/env node
/**
 * The `faktory-worker` program of the npm package: `npx @x/faktory-worker
 * dev` and `bunx @x/faktory-worker dev` run this.
 *
 * @module
 */

import { main } from "./cli.ts";

await main(true);
