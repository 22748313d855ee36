import { Global, Module } from '@nestjs/common';
import { OPERATION_ID_OF } from '../common/auth/scopes.js';
import { operationIdOf } from './openapi.js';

/** Gives the auth guard each route's operationId (what `ROUTE_SCOPES` is keyed by), from the document's own table. */
@Global()
@Module({ providers: [{ provide: OPERATION_ID_OF, useValue: operationIdOf }], exports: [OPERATION_ID_OF] })
export class OperationIdsModule {}
