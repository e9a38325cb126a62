// Prints the configuration table of docs/configuration.md from the schema in libs/config.
import { configurationTable } from '@kassa/config';

process.stdout.write(`${configurationTable()}\n`);
