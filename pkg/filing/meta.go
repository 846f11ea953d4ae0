package filing

// DocType is what kind of paper a document is, from a closed list so that it can be
// faceted and searched ("type:order"). A document that fits none is TypeOther.
type DocType string

// The document types, as their title blocks name them. A "notice of motion" is a
// motion, a "memorandum in opposition" an opposition, a "memorandum and order" an order;
// docmeta (services/extractor/docmeta) holds the rules.
const (
	TypeComplaint   DocType = "complaint"
	TypeAnswer      DocType = "answer"
	TypeMotion      DocType = "motion"
	TypeOpposition  DocType = "opposition"
	TypeReply       DocType = "reply"
	TypeMemorandum  DocType = "memorandum"
	TypeOrder       DocType = "order"
	TypeOpinion     DocType = "opinion"
	TypeJudgment    DocType = "judgment"
	TypeDeclaration DocType = "declaration"
	TypeExhibit     DocType = "exhibit"
	TypeBrief       DocType = "brief"
	TypeNotice      DocType = "notice"
	TypeStipulation DocType = "stipulation"
	TypeTranscript  DocType = "transcript"
	TypeLetter      DocType = "letter"
	TypeMinuteEntry DocType = "minute entry"
	TypeOther       DocType = "other"
)

// DocTypes lists every DocType, in the order above.
var DocTypes = []DocType{
	TypeComplaint, TypeAnswer, TypeMotion, TypeOpposition, TypeReply, TypeMemorandum,
	TypeOrder, TypeOpinion, TypeJudgment, TypeDeclaration, TypeExhibit, TypeBrief,
	TypeNotice, TypeStipulation, TypeTranscript, TypeLetter, TypeMinuteEntry, TypeOther,
}

// Origin says where a metadata value of a document was found. A value from a stronger
// origin is never replaced by one from a weaker: what the user states beats the source's
// metadata, which beats a RECAP file name, which beats the ECF stamp, which beats what
// the caption and title block say.
type Origin string

// The origins, strongest first.
const (
	FromUser       Origin = "user"
	FromSource     Origin = "source"
	FromFileName   Origin = "file_name"
	FromStamp      Origin = "stamp"
	FromCaption    Origin = "caption"
	FromTitleBlock Origin = "title_block"
)

// Strength orders origins: higher wins. An unknown or empty origin is 0, weaker than all.
func (o Origin) Strength() int {
	switch o {
	case FromUser:
		return 6
	case FromSource:
		return 5
	case FromFileName:
		return 4
	case FromStamp:
		return 3
	case FromCaption, FromTitleBlock:
		return 2
	}
	return 0
}

// The metadata fields whose origins Document.Origins records.
const (
	FieldCourt      = "court"
	FieldDocket     = "docket"
	FieldCaseName   = "case_name"
	FieldEntry      = "entry"
	FieldAttachment = "attachment"
	FieldFiled      = "filed"
	FieldTitle      = "title"
	FieldType       = "type"
)
