import { runMain } from '@platform/service-kit';
import { gatewayService } from './app';

runMain(gatewayService);
