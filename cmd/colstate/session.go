package main

import (
	"github.com/urfave/cli/v2"

	"github.com/colstate/colstate/internal/state"
	"github.com/colstate/colstate/internal/workspace"
)

// openLocked opens the workspace and takes the state lock for operation,
// waiting up to -lock-timeout. The returned close releases both.
func openLocked(c *cli.Context, operation string) (*workspace.Workspace, func(), error) {
	ws, err := openWorkspace(c)
	if err != nil {
		return nil, nil, err
	}
	lock, err := ws.State.Lock(c.Context, operation, c.Duration(lockTimeoutFlag.Name))
	if err != nil {
		ws.Close()
		return nil, nil, err
	}
	return ws, func() { lock.Unlock(); ws.Close() }, nil
}

// openLockedState is openLocked, then reads the state it locked.
func openLockedState(c *cli.Context, operation string) (*workspace.Workspace, *state.State, func(), error) {
	ws, done, err := openLocked(c, operation)
	if err != nil {
		return nil, nil, nil, err
	}
	st, err := ws.ReadState()
	if err != nil {
		done()
		return nil, nil, nil, err
	}
	return ws, st, done, nil
}
