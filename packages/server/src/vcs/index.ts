// Version control: a project kept in step with a GitHub repository through a GitHub App (the
// "GitHub" section of the deployment guide; reference/lightning-server-facts.md §9).
export { createGitHub, type GitHub, GitHubError, gitHubConfig } from './github.js';
export { userAccessToken } from './user-authorization.js';
