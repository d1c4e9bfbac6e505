package wechat

// Waiting is how many callers wait for c's token refresh under way.
func Waiting(c *Client) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.waiting
}
