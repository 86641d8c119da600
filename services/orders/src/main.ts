import { runMain } from '@platform/service-kit';
import { ordersService } from './app';

runMain(ordersService);
