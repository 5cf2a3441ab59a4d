# Texts of the mails and pages for registrants, in English.

## Language and formats

language-name = English
date-format = %A %-d %B %Y
time-format = %H:%M
when-same-day = { $date }, { $start } to { $end }
when-several-days = { $start-date }, { $start }, to { $end-date }, { $end }

## Mails

greeting = Hello { $name },
closing = Kind regards
signature = Your participation team
please-confirm-subject = Please confirm your registration: { $title }
please-confirm-thanks = thank you for registering for “{ $title }” ({ $when }).
please-confirm-ask = Please confirm your registration with this link. Only once you confirm do you get a seat, or a place on the waiting list if all seats are taken.
please-confirm-deadline = The link is valid until { $deadline } ({ $hours ->
        [one] one more hour
       *[other] { $hours } more hours
    }). Without confirmation we delete the registration and your details.
please-confirm-link = Confirm registration
please-confirm-not-you = If you did not register, you need not do anything.
confirmed-subject = Your registration is confirmed: { $title }
confirmed-seat = Your registration for “{ $title }” is confirmed: a seat is reserved for you ({ $when }).
confirmed-calendar = You will find the event for your calendar attached. If you cannot attend, please cancel so that your seat goes to the waiting list.
cancel-link = Cancel registration
waitlisted-subject = You are on the waiting list: { $title }
waitlisted-position = all seats for “{ $title }” ({ $when }) are taken. You are on the waiting list at position { $position }.
waitlisted-promise = As soon as a seat becomes free, you move up automatically and we will write to you.
waitlist-leave-link = Leave the waiting list
promoted-subject = A seat has become free: { $title }
promoted-seat = good news: a seat has become free for “{ $title }” ({ $when }) and you have moved up from the waiting list. Your participation is confirmed.
promoted-calendar = You will find the event for your calendar attached. To cancel, please use the link from our first email.
cancelled-subject = Your registration is cancelled: { $title }
cancelled-body = Your registration for “{ $title }” ({ $when }) is cancelled. You can register again at any time while registration is open.
round-changed-subject = Changed date: { $title }
round-changed-body = the event “{ $title }” you registered for has changed. It now takes place: { $when }.
round-changed-waitlist = You are still on the waiting list at position { $position }. We will send you the event for your calendar as soon as a seat becomes free for you.
round-changed-calendar = The event attached replaces the previous one in your calendar. Your registration remains valid.
round-cancelled-subject = Cancelled: { $title }
round-cancelled-body = unfortunately the event “{ $title }” ({ $when }) has been cancelled. Your registration therefore lapses; we will let you know if there is a new date.
calendar-description = Your registration for “{ $title }”. If you cannot attend, please cancel so that your seat goes to the waiting list.

## Pages

page-service = Participation
page-language = Language
page-round = Event
page-date = Date and time
page-venue = Venue
page-venue-none = to be announced
page-confirm-title = Confirm registration
page-confirm-lead = Please confirm your registration for this event. Only once you confirm do you get a seat.
page-confirm-button = Confirm registration now
page-cancel-title = Cancel registration
page-cancel-lead = Do you want to cancel your registration for this event? Your seat then goes to the waiting list.
page-cancel-button = Cancel registration now
page-confirmed-title = Your registration is confirmed
page-confirmed-body = A seat is reserved for you. We are sending you an email with the event for your calendar and a link to cancel.
page-waitlisted-title = You are on the waiting list
page-waitlisted-body = All seats are taken. You are on the waiting list at position { $position }. As soon as a seat becomes free, you move up automatically and we will write to you.
page-already-confirmed-title = Your registration is already confirmed
page-already-confirmed-body = You have already confirmed this registration; there is nothing more to do. We have sent you the email with the link to cancel.
page-already-waitlisted-body = You have already confirmed this registration and are on the waiting list at position { $position }. There is nothing more to do.
page-cancelled-title = Your registration is cancelled
page-cancelled-body = We have cancelled your registration and are sending you a confirmation by email. While registration is open, you can register again at any time.
page-already-cancelled-title = This registration is already cancelled
page-already-cancelled-body = There is nothing more to do. While registration is open, you can register again.
page-not-cancellable-title = This registration can no longer be cancelled
page-not-cancellable-body = Your attendance has already been recorded. If you have questions, please write to us.
page-expired-title = This link has expired
page-expired-body = The time to confirm has passed, and we have deleted the registration and your details. Please register again while registration is open.
page-unknown-title = This link is invalid or has expired
page-unknown-body = There is no open registration for this link: it is incomplete, has already been used, or the time to confirm has passed and the registration was deleted. Please check that you opened the whole link from the email, or register again.
page-closed-title = Registration is closed
page-closed-body = We no longer accept registrations for this event.
page-bad-request-title = The form was incomplete
page-bad-request-body = Please open the link from the email again and send the form from there.
page-busy-title = Too many requests
page-busy-body = Please try again in a minute.
page-contact = Questions? Write to { $contact }.
page-contact-none = If you have questions, please contact the team that invited you.
