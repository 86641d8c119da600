import { runMain } from '@platform/service-kit';
import { usersService } from './app';

runMain(usersService);
