package web

import (
	"net/http"

	"github.com/companionhub/companionhub/domain"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

// Rooms: group chats of several companions and the people their owner invites. The pages are
// shells their script (static/rooms.js) fills over the rooms API — the list of rooms, the
// conversation and its live stream, the members and the owner's controls; the server renders
// only what it knows without the rooms use cases: the person's companions to choose from, the
// room's id and who is asking.

// roomChoice is a companion the new-room form offers.
type roomChoice struct {
	ID   string
	Name string
}

// roomsData is what the rooms page shows besides what its script loads.
type roomsData struct {
	Me         string // the signed-in person's id: the rooms they own are told apart
	Companions []roomChoice
	// More: the person has more companions than the form lists.
	More bool
}

// roomView is what the room page's script starts from.
type roomView struct {
	ID string
	Me string // the signed-in person's id: their own messages are told apart
}

func (s *Site) roomsPage(w http.ResponseWriter, r *http.Request) {
	page, err := domain.NewPage("", domain.MaxPageLimit)
	if err != nil {
		s.fail(w, r, err, "", view{})
		return
	}
	res, err := s.d.Companions.List.Handle(r.Context(), companionuc.List{OwnerID: principalOf(r).UserID, Page: page})
	if err != nil {
		s.fail(w, r, err, "", view{})
		return
	}
	d := roomsData{Me: principalOf(r).UserID.String(), Companions: make([]roomChoice, 0, len(res.Items)), More: res.Next.String() != ""}
	for _, c := range res.Items {
		d.Companions = append(d.Companions, roomChoice{ID: c.ID().String(), Name: c.Profile().Spec().Name})
	}
	s.render(w, r, http.StatusOK, "rooms", view{Title: "Rooms", Page: "rooms", User: s.userOf(r), Data: d})
}

// roomPage is the room's conversation. Whether the room exists and the person is in it is the
// API's to say, when the script asks; a path that is no id names no room at all.
func (s *Site) roomPage(w http.ResponseWriter, r *http.Request) {
	id, err := domain.ParseID(r.PathValue("id"))
	if err != nil {
		s.errorPage(w, r, http.StatusNotFound, "There is no such room, or you are not in it.")
		return
	}
	s.render(w, r, http.StatusOK, "room", view{Title: "Room", Page: "room", User: s.userOf(r),
		Data: roomView{ID: id.String(), Me: principalOf(r).UserID.String()}})
}
