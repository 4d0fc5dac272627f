/** Builds the dashboard page's script once before the tests, as `npm start` does. */
import { buildPage } from '../../dashboard-app/build-page';

export default async function setup(): Promise<void> {
  await buildPage();
}
