export { standardOutreach } from './standard-outreach.js';
