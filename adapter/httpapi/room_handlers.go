package httpapi

import (
	"net/http"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/room"
	roomuc "github.com/companionhub/companionhub/usecase/room"
)

type roomSettingsDTO struct {
	Strategy   string `json:"strategy"`
	MaxReplies int    `json:"max_replies"`
	AutoRounds int    `json:"auto_rounds"`
}

type roomPersonDTO struct {
	UserID      string    `json:"user_id"`
	DisplayName string    `json:"display_name"`
	Role        string    `json:"role"`
	JoinedAt    time.Time `json:"joined_at"`
}

type roomCompanionDTO struct {
	CompanionID string    `json:"companion_id"`
	Name        string    `json:"name"`
	AddedBy     string    `json:"added_by"`
	AddedAt     time.Time `json:"added_at"`
}

type roomSummaryDTO struct {
	ID        string          `json:"id"`
	Title     string          `json:"title"`
	OwnerID   string          `json:"owner_id"`
	Settings  roomSettingsDTO `json:"settings"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
}

type roomDTO struct {
	roomSummaryDTO
	// YourRole is the caller's part in the room: owner or member.
	YourRole   string             `json:"your_role"`
	People     []roomPersonDTO    `json:"people"`
	Companions []roomCompanionDTO `json:"companions"`
}

func roomSummaryOf(r room.Room) roomSummaryDTO {
	return roomSummaryDTO{ID: r.ID.String(), Title: r.Title, OwnerID: r.OwnerID.String(), CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		Settings: roomSettingsDTO{Strategy: string(r.Settings.Strategy), MaxReplies: r.Settings.MaxReplies, AutoRounds: r.Settings.AutoRounds}}
}

func roomOf(v room.View, caller domain.ID) roomDTO {
	d := roomDTO{roomSummaryDTO: roomSummaryOf(v.Room), YourRole: string(v.RoleOf(caller)),
		People: make([]roomPersonDTO, 0, len(v.People)), Companions: make([]roomCompanionDTO, 0, len(v.Companions))}
	for _, p := range v.People {
		d.People = append(d.People, roomPersonDTO{UserID: p.UserID.String(), DisplayName: p.DisplayName, Role: string(p.Role), JoinedAt: p.JoinedAt})
	}
	for _, c := range v.Companions {
		d.Companions = append(d.Companions, roomCompanionDTO{CompanionID: c.CompanionID.String(), Name: c.Name, AddedBy: c.AddedBy.String(),
			AddedAt: c.AddedAt})
	}
	return d
}

// roomSettingsPatch is settings as a request gives them: each field left out keeps its value.
type roomSettingsPatch struct {
	Strategy   *string `json:"strategy"`
	MaxReplies *int    `json:"max_replies"`
	AutoRounds *int    `json:"auto_rounds"`
}

func (p roomSettingsPatch) patch() roomuc.SettingsPatch {
	out := roomuc.SettingsPatch{MaxReplies: p.MaxReplies, AutoRounds: p.AutoRounds}
	if p.Strategy != nil {
		s := room.Strategy(*p.Strategy)
		out.Strategy = &s
	}
	return out
}

// roomIDs parses the companion ids of a request, naming the field.
func roomIDs(field string, raw []string) ([]domain.ID, error) {
	ids := make([]domain.ID, 0, len(raw))
	for _, s := range raw {
		id, err := domain.ParseID(s)
		if err != nil {
			return nil, domain.Invalid(domain.Violation(field, "invalid_id", "a companion id is a UUID"))
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// companionIDOf reads a request's {"companion_id"}.
func companionIDOf(r *http.Request) (domain.ID, error) {
	var in struct {
		CompanionID string `json:"companion_id"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return domain.ID{}, err
	}
	ids, err := roomIDs("companion_id", []string{in.CompanionID})
	if err != nil {
		return domain.ID{}, err
	}
	return ids[0], nil
}

func (s *Server) listRooms(w http.ResponseWriter, r *http.Request) {
	list, err := s.rooms.List.Handle(r.Context(), roomuc.List{UserID: principalFrom(r.Context()).UserID})
	if err != nil {
		writeError(w, r, err)
		return
	}
	items := make([]roomSummaryDTO, 0, len(list))
	for _, rm := range list {
		items = append(items, roomSummaryOf(rm))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) createRoom(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Title        string            `json:"title"`
		CompanionIDs []string          `json:"companion_ids"`
		Settings     roomSettingsPatch `json:"settings"`
	}
	if err := decodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	ids, err := roomIDs("companion_ids", in.CompanionIDs)
	if err != nil {
		writeError(w, r, err)
		return
	}
	caller := principalFrom(r.Context()).UserID
	v, err := s.rooms.Create.Handle(r.Context(), roomuc.Create{OwnerID: caller, Title: in.Title, CompanionIDs: ids,
		Settings: in.Settings.patch()})
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/rooms/"+v.Room.ID.String())
	writeJSON(w, http.StatusCreated, roomOf(v, caller))
}

func (s *Server) getRoom(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, roomuc.ErrNotFound)
	if err != nil {
		writeError(w, r, err)
		return
	}
	caller := principalFrom(r.Context()).UserID
	v, err := s.rooms.Get.Handle(r.Context(), roomuc.Get{UserID: caller, RoomID: id})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, roomOf(v, caller))
}

func (s *Server) updateRoom(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, roomuc.ErrNotFound)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var in struct {
		Title    *string            `json:"title"`
		Settings *roomSettingsPatch `json:"settings"`
	}
	if err := decodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	caller := principalFrom(r.Context()).UserID
	up := roomuc.Update{UserID: caller, RoomID: id, Title: in.Title}
	if in.Settings != nil {
		up.Settings = in.Settings.patch()
	}
	v, err := s.rooms.Update.Handle(r.Context(), up)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, roomOf(v, caller))
}

func (s *Server) deleteRoom(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, roomuc.ErrNotFound)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if _, err := s.rooms.Delete.Handle(r.Context(), roomuc.Delete{UserID: principalFrom(r.Context()).UserID, RoomID: id}); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) addRoomCompanion(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, roomuc.ErrNotFound)
	if err != nil {
		writeError(w, r, err)
		return
	}
	companionID, err := companionIDOf(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	caller := principalFrom(r.Context()).UserID
	v, err := s.rooms.AddCompanion.Handle(r.Context(), roomuc.AddCompanion{UserID: caller, RoomID: id, CompanionID: companionID})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, roomOf(v, caller))
}

func (s *Server) removeRoomCompanion(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, roomuc.ErrNotFound)
	if err != nil {
		writeError(w, r, err)
		return
	}
	companionID, err := domain.ParseID(r.PathValue("companion_id"))
	if err != nil {
		writeError(w, r, roomuc.ErrNotYourCompanion)
		return
	}
	caller := principalFrom(r.Context()).UserID
	v, err := s.rooms.RemoveCompanion.Handle(r.Context(), roomuc.RemoveCompanion{UserID: caller, RoomID: id, CompanionID: companionID})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, roomOf(v, caller))
}

func (s *Server) createRoomInvite(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, roomuc.ErrNotFound)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var in struct {
		ExpiresInHours *int `json:"expires_in_hours"`
	}
	if r.ContentLength != 0 { // no body: the defaults
		if err := decodeJSON(r, &in); err != nil {
			writeError(w, r, err)
			return
		}
	}
	var ttl time.Duration
	if in.ExpiresInHours != nil {
		if *in.ExpiresInHours < 1 || *in.ExpiresInHours > 720 {
			writeError(w, r, domain.Invalid(domain.Violation("expires_in_hours", "out_of_range", "an invitation lasts from 1 to 720 hours")))
			return
		}
		ttl = time.Duration(*in.ExpiresInHours) * time.Hour
	}
	inv, err := s.rooms.Invite.Handle(r.Context(), roomuc.Invite{UserID: principalFrom(r.Context()).UserID, RoomID: id, TTL: ttl})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": inv.ID.String(), "code": inv.Code, "room_id": inv.RoomID.String(),
		"created_at": inv.CreatedAt, "expires_at": inv.ExpiresAt})
}

func (s *Server) listRoomInvites(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, roomuc.ErrNotFound)
	if err != nil {
		writeError(w, r, err)
		return
	}
	list, err := s.rooms.Invites.Handle(r.Context(), roomuc.ListInvites{UserID: principalFrom(r.Context()).UserID, RoomID: id})
	if err != nil {
		writeError(w, r, err)
		return
	}
	items := make([]map[string]any, 0, len(list))
	for _, inv := range list {
		items = append(items, map[string]any{"id": inv.ID.String(), "created_at": inv.CreatedAt, "expires_at": inv.ExpiresAt})
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) revokeRoomInvite(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, roomuc.ErrNotFound)
	if err != nil {
		writeError(w, r, err)
		return
	}
	invite, err := domain.ParseID(r.PathValue("invite_id"))
	if err != nil {
		writeError(w, r, roomuc.ErrInviteNotFound)
		return
	}
	if _, err := s.rooms.RevokeInvite.Handle(r.Context(), roomuc.RevokeInvite{UserID: principalFrom(r.Context()).UserID, RoomID: id,
		InviteID: invite}); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) joinRoom(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Code string `json:"code"`
	}
	if err := decodeJSON(r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	caller := principalFrom(r.Context()).UserID
	v, err := s.rooms.Join.Handle(r.Context(), roomuc.Join{UserID: caller, Code: in.Code})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, roomOf(v, caller))
}

func (s *Server) leaveRoom(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, roomuc.ErrNotFound)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if _, err := s.rooms.Leave.Handle(r.Context(), roomuc.Leave{UserID: principalFrom(r.Context()).UserID, RoomID: id}); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) removeRoomPerson(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, roomuc.ErrNotFound)
	if err != nil {
		writeError(w, r, err)
		return
	}
	person, err := domain.ParseID(r.PathValue("user_id"))
	if err != nil {
		writeError(w, r, roomuc.ErrNotFound)
		return
	}
	caller := principalFrom(r.Context()).UserID
	v, err := s.rooms.RemovePerson.Handle(r.Context(), roomuc.RemovePerson{UserID: caller, RoomID: id, PersonID: person})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, roomOf(v, caller))
}
