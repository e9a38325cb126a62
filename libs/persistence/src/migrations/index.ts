import { InitialSchema1767225600000 } from './1767225600000-initial-schema';

/** Every migration in order, listed explicitly; append new ones at the end. */
export const MIGRATIONS = [InitialSchema1767225600000];
