// gin with gin-contrib/sse, shaped like gin's own server-sent-event example
// (gin-gonic/examples, server-sent-event/main.go), which most gin SSE code
// copies: one goroutine owns the set of client channels and hands each
// published message to every client channel in turn; each GET /events
// registers an unbuffered channel and renders what arrives with c.Stream.
// The example's c.SSEvent(name, msg) cannot carry an id or a retry, so each
// message is rendered with c.Render(-1, sse.Event{...}), which is what
// SSEvent itself calls (context.go), with the payload's fields as they are.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"

	"github.com/gin-contrib/sse"
	"github.com/gin-gonic/gin"
)

type payload struct {
	Event *string `json:"event"`
	Data  *string `json:"data"`
	ID    *string `json:"id"`
	Retry *uint   `json:"retry"`
}

type clientChan chan sse.Event

type broker struct {
	message       chan sse.Event
	newClients    chan clientChan
	closedClients chan clientChan
	clients       map[clientChan]bool
}

// listen is the example's loop: add, remove, and send each message to
// every client in turn.
func (b *broker) listen() {
	for {
		select {
		case client := <-b.newClients:
			b.clients[client] = true
		case client := <-b.closedClients:
			delete(b.clients, client)
			close(client)
		case message := <-b.message:
			for client := range b.clients {
				client <- message
			}
		}
	}
}

func orEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func main() {
	gin.SetMode(gin.ReleaseMode)
	b := &broker{
		message:       make(chan sse.Event),
		newClients:    make(chan clientChan),
		closedClients: make(chan clientChan),
		clients:       map[clientChan]bool{},
	}
	go b.listen()

	router := gin.New()
	router.GET("/events", func(c *gin.Context) {
		// The example's HeadersMiddleware.
		c.Writer.Header().Set("Content-Type", "text/event-stream")
		c.Writer.Header().Set("Cache-Control", "no-cache")
		c.Writer.Header().Set("Connection", "keep-alive")
		client := make(clientChan)
		b.newClients <- client
		defer func() { b.closedClients <- client }()
		c.Stream(func(w io.Writer) bool {
			if message, ok := <-client; ok {
				c.Render(-1, message)
				return true
			}
			return false
		})
	})
	router.POST("/publish", func(c *gin.Context) {
		var p payload
		if err := c.BindJSON(&p); err != nil {
			return
		}
		event := sse.Event{Event: orEmpty(p.Event), Id: orEmpty(p.ID), Data: orEmpty(p.Data)}
		if p.Retry != nil {
			event.Retry = *p.Retry
		}
		b.message <- event
		c.Status(http.StatusNoContent)
	})

	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("http://%s\n", listener.Addr())
	os.Stdout.Sync()
	if err := http.Serve(listener, router); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
