import { InitialSchema1767225600000 } from './1767225600000-initial-schema';
import { MerchantIntegration1767312000000 } from './1767312000000-merchant-integration';
import { ChainStatus1795219200000 } from './1795219200000-chain-status';
import { Settlements1795305600000 } from './1795305600000-settlements';
import { OperationsIndexes1795392000000 } from './1795392000000-operations-indexes';
import { ChainHeadTime1795478400000 } from './1795478400000-chain-head-time';
import { PaymentOptions1795564800000 } from './1795564800000-payment-options';
import { SettlementsPerChain1795651200000 } from './1795651200000-settlements-per-chain';
import { RedeliveryAfterSend1795737600000 } from './1795737600000-redelivery-after-send';
import { ChainIdentities1795824000000 } from './1795824000000-chain-identities';
import { SettlementShortfalls1795910400000 } from './1795910400000-settlement-shortfalls';
import { WatcherLeaders1795996800000 } from './1795996800000-watcher-leaders';
import { Rescues1796083200000 } from './1796083200000-rescues';
import { RefundsAndPayouts1796169600000 } from './1796169600000-refunds-and-payouts';
import { Dashboard1796256000000 } from './1796256000000-dashboard';
import { PaymentLinks1796342400000 } from './1796342400000-payment-links';
import { PrincipalChanges1796428800000 } from './1796428800000-principal-changes';
import { EventPayloadJson1796515200000 } from './1796515200000-event-payload-json';
import { FewerIndexEntries1796601600000 } from './1796601600000-fewer-index-entries';

/** Every migration in order, listed explicitly; append new ones at the end. */
export const MIGRATIONS = [InitialSchema1767225600000, MerchantIntegration1767312000000, ChainStatus1795219200000, Settlements1795305600000, OperationsIndexes1795392000000, ChainHeadTime1795478400000, PaymentOptions1795564800000, SettlementsPerChain1795651200000, RedeliveryAfterSend1795737600000, ChainIdentities1795824000000, SettlementShortfalls1795910400000, WatcherLeaders1795996800000, Rescues1796083200000, RefundsAndPayouts1796169600000, Dashboard1796256000000, PaymentLinks1796342400000, PrincipalChanges1796428800000, EventPayloadJson1796515200000, FewerIndexEntries1796601600000];
