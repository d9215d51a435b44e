// Package account models people who use the hub and their ways in: users, their credentials'
// rules, the lockout that protects them, and sessions.
package account
